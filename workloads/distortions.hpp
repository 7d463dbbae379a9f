// The paper's image distortions, deterministic per (seed, split, image index), and mixed
// clean:distorted sets. Pixels are floats in [0, 1], CHW.
// - noise:     additive Gaussian noise of standard deviation sigma (default 0.25), independent per
//              pixel and channel, then clipped to [0, 1].
// - blur:      Gaussian blur of standard deviation sigma (default 1.0), separable, kernel radius
//              ceil(3 sigma) (7 taps at sigma 1), normalized to sum 1; borders replicate the edge
//              pixel.
// - occlusion: one block of block x block pixels (default 16x16) at a uniformly random position
//              fully inside the image, filled with mid-grey 0.5 in every channel. Fashion-MNIST has
//              a black background, so a black block could vanish into it; mid-grey is always
//              visible against black and against white.
// A distortion may carry several degrees (a range or a list); each image then gets one degree,
// drawn from (seed, split, index) on a stream of its own, so training covers every degree.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/datasets.hpp"

namespace rowsim {

enum class DistortionKind { None, Noise, Blur, Occlusion };

// How the degree of each image is chosen: the one degree, uniform over [lo, hi] (whole pixels for
// occlusion), or one entry of a list, each equally likely.
enum class DegreeSpread { Single, Range, List };

struct Distortion {
  DistortionKind kind = DistortionKind::None;
  float sigma = 0.0f;  // noise and blur (Range/List: the smallest degree)
  int block = 0;       // occlusion: block side in pixels (Range/List: the smallest)
  DegreeSpread spread = DegreeSpread::Single;
  std::vector<double> degrees;  // Range: {lo, hi}; List: the entries; Single: empty
  std::string name() const;    // none, noise, blur, occlusion
  // "sigma=0.25", "block=16"; "sigma=0.1:0.55" for a range, "block=8,12,16" for a list; "" for none
  std::string params() const;
  // The single-degree distortion image `index` of (seed, split) gets; *this when Single.
  Distortion for_image(uint64_t seed, Split split, uint64_t index) const;
};

// "none", "noise", "blur", "occlusion" with the paper's default degree; `degree` > 0 overrides it
// (sigma for noise and blur, block side for occlusion). Errors (UserError) name the setting and
// value ("distortion 'rain': expected ..."); the caller adds where it came from (with_context).
Distortion parse_distortion(const std::string& name, double degree = 0);
// As above with the degree as text: "X" (one degree), "LO:HI" (a range, LO <= HI) or "A,B,..." (a
// list); empty text means the default degree. Errors name "degree" and the value.
Distortion parse_distortion(const std::string& name, const std::string& degrees);
// The distortion a weights file's metadata describes: name and params() as written.
Distortion distortion_from_params(const std::string& name, const std::string& params);

// Distorts one image in place; the random draws (and with a range or list, the degree) depend
// only on (seed, split, index).
void apply_distortion(const Distortion& d, float* image, const Shape& shape, uint64_t seed, Split split,
                      uint64_t index);

// clean:distorted, e.g. 1:1 or 3:1; both non-negative, not both zero.
struct Ratio {
  int clean = 1, distorted = 1;
  std::string str() const;
};
Ratio parse_ratio(const std::string& text);  // errors name "ratio" and the text

// Which images of a mixed set are distorted, and the set itself. For the gate task labels become
// 0 = clean, 1 = distorted; otherwise they stay the class labels.
struct MixedSet {
  Dataset data;
  std::vector<uint8_t> distorted;
  size_t distorted_count() const;
};

// round(N * D / (C + D)) images, chosen by a seeded shuffle, are distorted. `clean` is taken by
// value so a caller that no longer needs it can move it in instead of holding two copies.
MixedSet make_mixed_set(Dataset clean, const Distortion& d, Ratio ratio, uint64_t seed, Split split,
                        bool gate_labels);

// As make_mixed_set, but kept in `cache_dir` as a safetensors file (F32 images, so a cached set is
// bit-identical to a generated one) and read back on later calls. Empty `cache_dir` = no cache.
MixedSet cached_mixed_set(Dataset clean, const Distortion& d, Ratio ratio, uint64_t seed, Split split,
                          bool gate_labels, const std::string& cache_dir);

}  // namespace rowsim
