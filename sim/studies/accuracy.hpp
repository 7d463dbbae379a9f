// Fig. 3 of the paper: top-1 accuracy of the baseline network and of the selective scheme as the
// clean:distorted ratio and the distortion degree change. The selective scheme's gate routes
// each image to the clean-trained or the distortion-trained network; the "oracle" routes every
// image where it belongs, so selective vs oracle is the accuracy cost of routing mistakes.
// Inference runs in float with the trainer's model (the gate's fixed-point routing accuracy is
// reported separately by compare).
#pragma once
#include <nlohmann/json.hpp>

#include "sim/studies/experiment.hpp"

namespace rowsim {

// Returns {"<distortion>": {"ratio": [...], "degree": [...]}} and writes fig3-*.svg into `dir`.
nlohmann::json run_accuracy(const Experiment& x, const std::string& dir, int threads, std::string& markdown);

}  // namespace rowsim
