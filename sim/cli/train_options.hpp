// Options shared by `rowsim train` and `rowsim eval`: dataset, distortion, task, threads.
#pragma once
#include <cstdint>
#include <string>

#include "sim/cli/options.hpp"
#include "workloads/safetensors.hpp"
#include "workloads/train/task_data.hpp"
#include "workloads/weights_file.hpp"

namespace rowsim::cli {

void add_data_options(po::options_description& options);
// Fills a TaskSpec from the data options; `defaults` supplies values the user left out.
train::TaskSpec resolve_data_options(const po::variables_map& vm, const train::TaskSpec& defaults,
                                     bool ratio_from_defaults);
// The data a weights file was trained on (metadata dataset, distortion, task, ratio, training
// seed), as defaults for the commands that read it (eval, prune, quantize).
train::TaskSpec data_defaults_from(const SafeTensors& file, const WeightsInfo& info, const std::string& path);
// An integer option that must lie in [min, max]; the error names the flag and value.
int64_t int_option(const po::variables_map& vm, const std::string& name, int64_t min, int64_t max);
double double_option(const po::variables_map& vm, const std::string& name, double min, double max,
                     bool min_exclusive = false);

}  // namespace rowsim::cli
