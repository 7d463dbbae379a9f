// Layers that do not run on the PE array. ReLU, Clip (ReLU6), LeakyReLU and batch-norm cost
// nothing: the activations are applied as ofmaps leave the array, batch-norm is folded into the
// preceding conv's weights and bias. Concat costs nothing either: its producers write their
// ofmaps into adjacent channel ranges of one buffer. Pooling, residual adds, element-wise
// multiplies and the other activations (sigmoid, tanh, hard sigmoid/swish, affine) run in a
// post-processing unit beside the GLB that streams its inputs from DRAM and writes its output
// back: every input word is one DRAM ifmap read, every output word one DRAM psum/ofmap write, and
// the unit takes DRAM-transfer time.
#pragma once
#include "models/arch/access_counts.hpp"
#include "models/arch/arch_spec.hpp"
#include "workloads/network.hpp"

namespace rowsim {

bool runs_on_array(const Layer& layer);        // conv and fully connected
bool runs_in_post_processing(const Layer& layer);  // pool, add, mul, most activations
// Counts and cycles of a post-processing layer for `batch` images (zero for ReLU/batch-norm).
AccessCounts post_processing_counts(const Network& net, const Layer& layer, int batch, const ArchSpec& arch);

}  // namespace rowsim
