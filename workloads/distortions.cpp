#include "workloads/distortions.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "workloads/safetensors.hpp"
#include "workloads/util/error.hpp"
#include "workloads/util/file_io.hpp"
#include "workloads/util/rng.hpp"

namespace rowsim {

std::string Distortion::name() const {
  switch (kind) {
    case DistortionKind::None: return "none";
    case DistortionKind::Noise: return "noise";
    case DistortionKind::Blur: return "blur";
    case DistortionKind::Occlusion: return "occlusion";
  }
  return "?";
}

std::string Distortion::params() const {
  if (kind == DistortionKind::None) return "";
  const char* key = kind == DistortionKind::Occlusion ? "block" : "sigma";
  if (spread == DegreeSpread::Range) return fmt::format("{}={}:{}", key, degrees[0], degrees[1]);
  if (spread == DegreeSpread::List) return fmt::format("{}={}", key, fmt::join(degrees, ","));
  if (kind == DistortionKind::Occlusion) return fmt::format("block={}", block);
  return fmt::format("sigma={}", sigma);
}

Distortion Distortion::for_image(uint64_t seed, Split split, uint64_t index) const {
  if (spread == DegreeSpread::Single) return *this;
  Rng rng(seed, RngPurpose::DistortDegree, split == Split::Train ? 1 : 2, index);
  Distortion d;
  d.kind = kind;
  if (spread == DegreeSpread::List) {
    double degree = degrees[rng.below(degrees.size())];
    d.sigma = static_cast<float>(degree);
    d.block = static_cast<int>(degree);
  } else if (kind == DistortionKind::Occlusion) {
    int lo = static_cast<int>(degrees[0]), hi = static_cast<int>(degrees[1]);
    d.block = lo + static_cast<int>(rng.below(uint64_t(hi - lo + 1)));
  } else {
    d.sigma = static_cast<float>(degrees[0] + (degrees[1] - degrees[0]) * double(rng.uniform()));
  }
  return d;
}

Distortion parse_distortion(const std::string& name, double degree) {
  Distortion d;
  if (degree < 0) fail("distortion degree {}: expected a positive number", degree);
  if (name == "none") return d;
  if (name == "noise") {
    d.kind = DistortionKind::Noise;
    d.sigma = degree > 0 ? static_cast<float>(degree) : 0.25f;
  } else if (name == "blur") {
    d.kind = DistortionKind::Blur;
    d.sigma = degree > 0 ? static_cast<float>(degree) : 1.0f;
    if (d.sigma > 8) fail("blur sigma {}: expected at most 8 pixels", d.sigma);
  } else if (name == "occlusion") {
    d.kind = DistortionKind::Occlusion;
    d.block = degree > 0 ? static_cast<int>(degree) : 16;
    if (d.block != degree && degree > 0) fail("occlusion block {}: expected a whole number of pixels", degree);
  } else {
    fail("distortion '{}': expected none, noise, blur or occlusion", name);
  }
  return d;
}

Distortion parse_distortion(const std::string& name, const std::string& text) {
  Distortion d = parse_distortion(name, 0.0);
  if (text.empty()) return d;
  if (d.kind == DistortionKind::None) fail("degree '{}' needs a distortion (noise, blur or occlusion)", text);
  const char* expected = "expected a degree X, a range LO:HI or a list A,B,...";
  bool range = text.find(':') != std::string::npos;
  std::vector<double> degrees;
  size_t start = 0;
  while (true) {
    size_t end = text.find(range ? ':' : ',', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (item.empty()) fail("degree '{}': an empty degree; {}", text, expected);
    char* stop = nullptr;
    double v = std::strtod(item.c_str(), &stop);
    if (*stop != '\0' || !std::isfinite(v)) fail("degree '{}': '{}' is not a number; {}", text, item, expected);
    if (v <= 0) fail("degree '{}': degree {} is not positive; {}", text, item, expected);
    // The kind's own limits (blur sigma, whole occlusion blocks).
    with_context(fmt::format("degree '{}'", text), [&] { return parse_distortion(name, v); });
    degrees.push_back(v);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (range && degrees.size() != 2) fail("degree '{}': a range has two ends, LO:HI", text);
  if (range && degrees[0] > degrees[1])
    fail("degree '{}': the range's minimum {} is above its maximum {}", text, degrees[0], degrees[1]);
  if (degrees.size() == 1 || (range && degrees[0] == degrees[1])) return parse_distortion(name, degrees[0]);
  d = parse_distortion(name, *std::min_element(degrees.begin(), degrees.end()));
  d.spread = range ? DegreeSpread::Range : DegreeSpread::List;
  d.degrees = std::move(degrees);
  return d;
}

Distortion distortion_from_params(const std::string& name, const std::string& params) {
  size_t eq = params.find('=');
  if (params.empty()) return parse_distortion(name, "");
  if (eq == std::string::npos)
    fail("distortion params '{}': expected sigma=X or block=N (or a range LO:HI or list A,B,...)", params);
  return parse_distortion(name, params.substr(eq + 1));
}

namespace {

void blur_plane(float* plane, int h, int w, const std::vector<float>& kernel, std::vector<float>& tmp) {
  int radius = static_cast<int>(kernel.size() / 2);
  tmp.resize(size_t(h) * w);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = -radius; k <= radius; ++k) s += kernel[size_t(k + radius)] * plane[y * w + std::clamp(x + k, 0, w - 1)];
      tmp[size_t(y) * w + x] = s;
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int k = -radius; k <= radius; ++k) s += kernel[size_t(k + radius)] * tmp[size_t(std::clamp(y + k, 0, h - 1)) * w + x];
      plane[y * w + x] = s;
    }
}

}  // namespace

void apply_distortion(const Distortion& spread, float* image, const Shape& shape, uint64_t seed, Split split,
                      uint64_t index) {
  const Distortion d = spread.for_image(seed, split, index);
  Rng rng(seed, RngPurpose::Distort, split == Split::Train ? 1 : 2, index);
  size_t n = static_cast<size_t>(shape.elements());
  switch (d.kind) {
    case DistortionKind::None: return;
    case DistortionKind::Noise:
      for (size_t i = 0; i < n; ++i) image[i] = std::clamp(image[i] + d.sigma * rng.normal(), 0.0f, 1.0f);
      return;
    case DistortionKind::Blur: {
      int radius = static_cast<int>(std::ceil(3.0 * d.sigma));
      std::vector<float> kernel(size_t(2 * radius + 1));
      double sum = 0;
      for (int k = -radius; k <= radius; ++k) sum += std::exp(-0.5 * k * k / (double(d.sigma) * d.sigma));
      for (int k = -radius; k <= radius; ++k)
        kernel[size_t(k + radius)] = static_cast<float>(std::exp(-0.5 * k * k / (double(d.sigma) * d.sigma)) / sum);
      std::vector<float> tmp;
      for (int c = 0; c < shape.c; ++c) blur_plane(image + size_t(c) * shape.h * shape.w, shape.h, shape.w, kernel, tmp);
      return;
    }
    case DistortionKind::Occlusion: {
      int bh = std::min(d.block, shape.h), bw = std::min(d.block, shape.w);
      int y0 = static_cast<int>(rng.below(uint64_t(shape.h - bh + 1)));
      int x0 = static_cast<int>(rng.below(uint64_t(shape.w - bw + 1)));
      for (int c = 0; c < shape.c; ++c)
        for (int y = y0; y < y0 + bh; ++y)
          for (int x = x0; x < x0 + bw; ++x) image[(size_t(c) * shape.h + y) * shape.w + x] = 0.5f;
      return;
    }
  }
}

std::string Ratio::str() const { return fmt::format("{}:{}", clean, distorted); }

Ratio parse_ratio(const std::string& text) {
  Ratio r;
  size_t colon = text.find(':');
  auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos)
      fail("ratio '{}': expected CLEAN:DISTORTED with whole numbers, e.g. 1:1 or 3:1", text);
    return std::stoi(part);
  };
  if (colon == std::string::npos) fail("ratio '{}': expected CLEAN:DISTORTED, e.g. 1:1 or 3:1", text);
  r.clean = number(text.substr(0, colon));
  r.distorted = number(text.substr(colon + 1));
  if (r.clean + r.distorted == 0) fail("ratio '{}': clean and distorted cannot both be 0", text);
  return r;
}

size_t MixedSet::distorted_count() const {
  return static_cast<size_t>(std::count(distorted.begin(), distorted.end(), uint8_t(1)));
}

MixedSet make_mixed_set(Dataset clean, const Distortion& d, Ratio ratio, uint64_t seed, Split split,
                        bool gate_labels) {
  MixedSet m;
  m.data = std::move(clean);
  size_t n = m.data.size();
  size_t k = d.kind == DistortionKind::None
                 ? 0
                 : static_cast<size_t>(std::llround(double(n) * ratio.distorted / double(ratio.clean + ratio.distorted)));
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  Rng rng(seed, RngPurpose::Mix, split == Split::Train ? 1 : 2);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  m.distorted.assign(n, 0);
  for (size_t i = 0; i < k; ++i) m.distorted[order[i]] = 1;
  for (size_t i = 0; i < n; ++i) {
    if (m.distorted[i]) apply_distortion(d, m.data.image_data(i), m.data.image, seed, split, i);
    if (gate_labels) m.data.labels[i] = m.distorted[i];
  }
  if (gate_labels) m.data.classes = 2;
  return m;
}

MixedSet cached_mixed_set(Dataset clean, const Distortion& d, Ratio ratio, uint64_t seed, Split split,
                          bool gate_labels, const std::string& cache_dir) {
  if (cache_dir.empty() || d.kind == DistortionKind::None)
    return make_mixed_set(std::move(clean), d, ratio, seed, split, gate_labels);
  std::string key = fmt::format("{}-{}-n{}-{}{}-r{}to{}-s{}{}", clean.name, to_string(split), clean.size(), d.name(),
                                d.params(), ratio.clean, ratio.distorted, seed, gate_labels ? "-gate" : "");
  std::replace(key.begin(), key.end(), '=', '_');
  std::string path = cache_dir + "/" + key + ".safetensors";
  const int64_t image = clean.image.elements();
  if (file_exists(path)) {
    SafeTensors f = read_safetensors(path);
    if (f.meta("rowsim_cache") != key) fail("{}: cache file does not describe '{}'; delete it to regenerate", path, key);
    const TensorData& images = f.get("images", path);
    const TensorData& labels = f.get("labels", path);
    const TensorData& flags = f.get("distorted", path);
    int64_t n = static_cast<int64_t>(clean.size());
    if (images.dtype != DType::F32 || images.elements() != n * image || labels.dtype != DType::I32 ||
        labels.elements() != n || flags.dtype != DType::U8 || flags.elements() != n)
      fail("{}: cached tensors have unexpected dtypes or sizes; delete the file to regenerate", path);
    MixedSet m;
    m.data.name = clean.name;
    m.data.image = clean.image;
    m.data.classes = gate_labels ? 2 : clean.classes;
    m.data.pixels = images.to_floats();
    m.data.labels.resize(size_t(n));
    std::memcpy(m.data.labels.data(), labels.bytes.data(), size_t(n) * 4);
    m.distorted.assign(flags.bytes.begin(), flags.bytes.end());
    return m;
  }
  const Shape shape = clean.image;
  MixedSet m = make_mixed_set(std::move(clean), d, ratio, seed, split, gate_labels);
  SafeTensors f;
  f.metadata["rowsim_cache"] = key;
  int64_t n = static_cast<int64_t>(m.data.size());
  f.put("images", TensorData::from_floats(m.data.pixels, {n, shape.c, shape.h, shape.w}));
  TensorData labels;
  labels.dtype = DType::I32;
  labels.shape = {n};
  labels.bytes.assign(reinterpret_cast<const char*>(m.data.labels.data()), size_t(n) * 4);
  f.put("labels", std::move(labels));
  TensorData flags;
  flags.dtype = DType::U8;
  flags.shape = {n};
  flags.bytes.assign(m.distorted.begin(), m.distorted.end());
  f.put("distorted", std::move(flags));
  write_safetensors(path, f);
  return m;
}

}  // namespace rowsim
