// The rowsim subcommands. Each lives in its own cmd_*.cpp and is listed once in commands.cpp.
#pragma once
#include <string>
#include <vector>

namespace rowsim::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

const std::vector<Command>& commands();

int cmd_workload(const Args& args);
int cmd_arch(const Args& args);
int cmd_compare(const Args& args);
int cmd_map(const Args& args);
int cmd_simulate(const Args& args);
int cmd_sweep(const Args& args);
int cmd_check(const Args& args);
int cmd_train(const Args& args);
int cmd_eval(const Args& args);
int cmd_prune(const Args& args);
int cmd_quantize(const Args& args);

}  // namespace rowsim::cli
