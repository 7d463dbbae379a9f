// Finite-difference checks of every backward pass: each layer on its own with a random linear
// loss L = sum(out * R), and a small network (conv, batch-norm, ReLU, pooling, residual add, FC,
// softmax cross-entropy) end to end through the Model.
#include <cmath>
#include <functional>

#include <catch2/catch.hpp>

#include "workloads/train/layers.hpp"
#include "workloads/train/model.hpp"
#include "workloads/util/rng.hpp"
#include "workloads/zoo.hpp"

using namespace rowsim;
using namespace rowsim::train;

namespace {

template <class Floats>  // std::vector<float> or a Tensor's FloatBuffer
void fill(Floats& v, uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  for (float& x : v) x = scale * rng.normal();
}

Tensor random_tensor(int c, int n, int h, int w, uint64_t seed) {
  Tensor t;
  t.resize(c, n, h, w);
  fill(t.v, seed);
  return t;
}

double dot(const Tensor& a, const std::vector<float>& r) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a.v[i]) * r[i];
  return s;
}

// Compares analytic gradients with central differences of `loss` for every element of `x`
// (or every `stride`-th one).
template <class X, class Analytic>  // std::vector<float> or a Tensor's FloatBuffer
void check_gradient(X& x, const Analytic& analytic, const std::function<double()>& loss,
                    double eps, double tol, size_t stride = 1) {
  REQUIRE(analytic.size() == x.size());
  size_t checked = 0;
  for (size_t i = 0; i < x.size(); i += stride) {
    float saved = x[i];
    x[i] = saved + float(eps);
    double up = loss();
    x[i] = saved - float(eps);
    double down = loss();
    x[i] = saved;
    double numeric = (up - down) / (2 * eps);
    INFO("element " << i << " analytic " << analytic[i] << " numeric " << numeric);
    CHECK(std::abs(numeric - analytic[i]) <= tol * std::max(1.0, std::abs(numeric)));
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("conv backward matches finite differences (stride, pad, groups, bias)", "[train][grad]") {
  ThreadPool pool(2);
  Workspace ws(2);
  struct Case {
    ConvGeometry g;
    int c, h, w;
  };
  std::vector<Case> cases;
  cases.push_back({{6, 3, 3, 2, 1, 2}, 4, 7, 6});  // strided, padded, grouped
  cases.push_back({{5, 1, 1, 1, 0, 1}, 3, 4, 4});  // pointwise (GEMM straight on the input)
  cases.push_back({{4, 3, 2, 1, 0, 1}, 2, 5, 5});  // rectangular kernel, no pad
  cases.push_back({{3, 1, 1, 2, 0, 1}, 3, 6, 6});  // strided 1x1 (ResNet shortcut)
  cases.push_back({{4, 3, 3, 1, 1, 2}, 4, 5, 4});  // 3x3 "same" (the shifted-copy im2col), grouped
  cases.push_back({{3, 3, 3, 1, 1, 1}, 2, 2, 2});  // 3x3 "same" on 2x2 maps (late VGG layers)
  cases.push_back({{2, 3, 3, 1, 1, 1}, 2, 1, 1});  // 3x3 "same" on 1x1 maps: only the centre tap
  for (const auto& cs : cases) {
    const ConvGeometry& g = cs.g;
    Tensor in = random_tensor(cs.c, 3, cs.h, cs.w, 1);
    std::vector<float> weight(size_t(g.out_channels) * (cs.c / g.groups) * g.kernel_h * g.kernel_w);
    std::vector<float> bias(size_t(g.out_channels));
    fill(weight, 2, 0.5f);
    fill(bias, 3);
    Tensor out;
    conv_forward(pool, ws, g, in, weight.data(), bias.data(), out);
    std::vector<float> r(out.size());
    fill(r, 4);
    auto loss = [&] {
      Tensor o;
      conv_forward(pool, ws, g, in, weight.data(), bias.data(), o);
      return dot(o, r);
    };
    Tensor d_out = out;
    d_out.v.assign(r.begin(), r.end());
    Tensor d_in;
    d_in.resize(in.c, in.n, in.h, in.w);
    std::fill(d_in.v.begin(), d_in.v.end(), 0.0f);
    std::vector<float> d_w(weight.size()), d_b(bias.size());
    conv_backward(pool, ws, g, in, weight.data(), d_out, &d_in, d_w.data(), d_b.data());
    check_gradient(in.v, d_in.v, loss, 1e-2, 2e-3);
    check_gradient(weight, d_w, loss, 1e-2, 2e-3);
    check_gradient(bias, d_b, loss, 1e-2, 2e-3);
  }
}

TEST_CASE("conv forward matches a direct convolution (every im2col path)", "[train][grad]") {
  ThreadPool pool(2);
  Workspace ws(2);
  struct Case {
    ConvGeometry g;
    int c, h, w;
  };
  const std::vector<Case> cases = {
      {{4, 3, 3, 1, 1, 2}, 4, 6, 5},  // 3x3 "same", grouped
      {{3, 3, 3, 1, 1, 1}, 2, 2, 2},  // 2x2 maps
      {{3, 3, 3, 1, 1, 1}, 2, 1, 1},  // 1x1 maps
      {{2, 5, 5, 1, 2, 1}, 3, 6, 7},  // 5x5 "same"
      {{3, 3, 3, 2, 1, 1}, 2, 7, 6},  // strided (the generic im2col)
      {{3, 3, 2, 1, 0, 1}, 2, 5, 5},  // no pad, rectangular
  };
  for (const auto& cs : cases) {
    const ConvGeometry& g = cs.g;
    Tensor in = random_tensor(cs.c, 3, cs.h, cs.w, 11);
    const int cg = cs.c / g.groups, mg = g.out_channels / g.groups;
    std::vector<float> weight(size_t(g.out_channels) * cg * g.kernel_h * g.kernel_w);
    fill(weight, 12);
    Tensor out;
    conv_forward(pool, ws, g, in, weight.data(), nullptr, out);
    REQUIRE(out.h == g.out_h(cs.h));
    REQUIRE(out.w == g.out_w(cs.w));
    for (int m = 0; m < g.out_channels; ++m)
      for (int n = 0; n < in.n; ++n)
        for (int oy = 0; oy < out.h; ++oy)
          for (int ox = 0; ox < out.w; ++ox) {
            double want = 0;
            const int grp = m / mg;
            for (int c = 0; c < cg; ++c)
              for (int r = 0; r < g.kernel_h; ++r)
                for (int s = 0; s < g.kernel_w; ++s) {
                  const int iy = oy * g.stride - g.pad + r, ix = ox * g.stride - g.pad + s;
                  if (iy < 0 || iy >= cs.h || ix < 0 || ix >= cs.w) continue;
                  want += double(weight[((size_t(m) * cg + c) * g.kernel_h + r) * g.kernel_w + s]) *
                          in.at(grp * cg + c, n, iy, ix);
                }
            INFO("kernel " << g.kernel_h << "x" << g.kernel_w << " map " << cs.h << "x" << cs.w << " m " << m
                           << " n " << n << " y " << oy << " x " << ox);
            CHECK(std::abs(out.at(m, n, oy, ox) - want) <= 1e-4 * std::max(1.0, std::abs(want)));
          }
  }
}

TEST_CASE("fully connected backward matches finite differences", "[train][grad]") {
  ThreadPool pool(2);
  Workspace ws(2);
  for (int hw : {1, 3}) {  // from a feature map (flattened) and from a vector
    Tensor in = random_tensor(4, 5, hw, hw, 11);
    int k = 4 * hw * hw, m = 3;
    std::vector<float> weight(static_cast<size_t>(m * k)), bias(static_cast<size_t>(m));
    fill(weight, 12, 0.5f);
    fill(bias, 13);
    Tensor out;
    fc_forward(pool, ws, m, in, weight.data(), bias.data(), out);
    REQUIRE(out.c == m);
    REQUIRE(out.n == 5);
    std::vector<float> r(out.size());
    fill(r, 14);
    auto loss = [&] {
      Tensor o;
      fc_forward(pool, ws, m, in, weight.data(), bias.data(), o);
      return dot(o, r);
    };
    Tensor d_out = out;
    d_out.v.assign(r.begin(), r.end());
    Tensor d_in;
    d_in.resize(in.c, in.n, in.h, in.w);
    std::fill(d_in.v.begin(), d_in.v.end(), 0.0f);
    std::vector<float> d_w(weight.size()), d_b(bias.size());
    fc_backward(pool, ws, m, in, weight.data(), d_out, &d_in, d_w.data(), d_b.data());
    check_gradient(in.v, d_in.v, loss, 1e-2, 2e-3);
    check_gradient(weight, d_w, loss, 1e-2, 2e-3);
    check_gradient(bias, d_b, loss, 1e-2, 2e-3);
  }
}

TEST_CASE("max and average pooling, ReLU and add backward match finite differences", "[train][grad]") {
  ThreadPool pool(2);
  for (bool max : {true, false}) {
    for (int pad : {0, 1}) {
      PoolGeometry g;
      g.max = max;
      g.kernel_h = g.kernel_w = 3;
      g.stride = 2;
      g.pad = pad;
      Tensor in = random_tensor(3, 2, 7, 7, 21);
      Tensor out;
      std::vector<int32_t> argmax;
      pool_forward(pool, g, in, out, argmax);
      std::vector<float> r(out.size());
      fill(r, 22);
      auto loss = [&] {
        Tensor o;
        std::vector<int32_t> a;
        pool_forward(pool, g, in, o, a);
        return dot(o, r);
      };
      Tensor d_out = out;
      d_out.v.assign(r.begin(), r.end());
      Tensor d_in;
      d_in.resize(in.c, in.n, in.h, in.w);
      std::fill(d_in.v.begin(), d_in.v.end(), 0.0f);
      pool_backward(pool, g, d_out, argmax, d_in);
      // Random normal inputs have no ties, so a small step never changes the max's winner.
      check_gradient(in.v, d_in.v, loss, 1e-3, 5e-3);
    }
  }
  Tensor in = random_tensor(2, 3, 4, 4, 31);
  Tensor out;
  relu_forward(pool, in, out);
  std::vector<float> r(out.size());
  fill(r, 32);
  Tensor d_out = out;
  d_out.v.assign(r.begin(), r.end());
  Tensor d_in;
  d_in.resize(in.c, in.n, in.h, in.w);
  std::fill(d_in.v.begin(), d_in.v.end(), 0.0f);
  relu_backward(pool, out, d_out, d_in);
  check_gradient(in.v, d_in.v, [&] {
    Tensor o;
    relu_forward(pool, in, o);
    return dot(o, r);
  }, 1e-3, 5e-3);

  Tensor b = random_tensor(2, 3, 4, 4, 33);
  Tensor sum;
  add_forward(pool, in, b, sum);
  Tensor d_a, d_b;
  d_a.resize(2, 3, 4, 4);
  d_b.resize(2, 3, 4, 4);
  std::fill(d_a.v.begin(), d_a.v.end(), 0.0f);
  std::fill(d_b.v.begin(), d_b.v.end(), 0.0f);
  accumulate(pool, d_out, d_a);
  accumulate(pool, d_out, d_b);
  auto add_loss = [&] {
    Tensor o;
    add_forward(pool, in, b, o);
    return dot(o, r);
  };
  check_gradient(in.v, d_a.v, add_loss, 1e-2, 2e-3);
  check_gradient(b.v, d_b.v, add_loss, 1e-2, 2e-3);
}

TEST_CASE("batch-norm backward matches finite differences (training statistics)", "[train][grad]") {
  ThreadPool pool(2);
  Tensor in = random_tensor(3, 4, 3, 3, 41);
  for (float& v : in.v) v = 2.0f * v + 1.0f;  // non-zero mean and non-unit variance
  std::vector<float> gamma(3), beta(3);
  fill(gamma, 42);
  fill(beta, 43);
  BatchNormState st;
  st.running_mean.assign(3, 0.0f);
  st.running_var.assign(3, 1.0f);
  Tensor out;
  batchnorm_forward(pool, in, gamma.data(), beta.data(), true, st, out);
  std::vector<float> r(out.size());
  fill(r, 44);
  auto loss = [&] {
    BatchNormState s = st;
    Tensor o;
    batchnorm_forward(pool, in, gamma.data(), beta.data(), true, s, o);
    return dot(o, r);
  };
  Tensor d_out = out;
  d_out.v.assign(r.begin(), r.end());
  Tensor d_in;
  d_in.resize(in.c, in.n, in.h, in.w);
  std::fill(d_in.v.begin(), d_in.v.end(), 0.0f);
  std::vector<float> d_gamma(3), d_beta(3);
  Workspace ws(2);
  batchnorm_backward(pool, ws, in, gamma.data(), st, d_out, d_in, d_gamma.data(), d_beta.data());
  check_gradient(in.v, d_in.v, loss, 1e-2, 5e-3);
  check_gradient(gamma, d_gamma, loss, 1e-2, 5e-3);
  check_gradient(beta, d_beta, loss, 1e-2, 5e-3);
}

TEST_CASE("softmax cross-entropy gradient matches finite differences", "[train][grad]") {
  Tensor logits = random_tensor(5, 4, 1, 1, 51);
  std::vector<int32_t> labels = {0, 3, 4, 1};
  Tensor d;
  int correct = -1;
  double l0 = softmax_cross_entropy(logits, labels.data(), d, &correct);
  CHECK(l0 > 0);
  CHECK(correct >= 0);
  check_gradient(logits.v, d.v, [&] {
    Tensor scratch;
    return softmax_cross_entropy(logits, labels.data(), scratch, nullptr);
  }, 1e-2, 2e-3);
}

TEST_CASE("a whole network (conv, BN, ReLU, pool, residual add, FC) back-propagates correctly", "[train][grad]") {
  NetworkBuilder b("tiny-res", 1.0, {3, 6, 6}, 4);
  b.conv_bn_relu("stem", 4, 3, 1, 1);
  b.conv("branch", 4, 3, 1, 1);
  b.batch_norm("branch.bn");
  b.add("add", "branch.bn", "stem.relu");
  b.relu("add.relu");
  b.max_pool("pool", 2, 2);
  b.conv("down", 6, 1, 2, 0, 2);  // grouped, strided pointwise
  b.avg_pool("gap", 2, 1);
  b.fc("fc", 4);
  Network net = b.build();
  Model model(net, 5);
  ThreadPool pool(2);
  Tensor input = random_tensor(3, 4, 6, 6, 61);
  std::vector<int32_t> labels = {1, 0, 3, 2};
  auto loss = [&] {
    Tensor d;
    return softmax_cross_entropy(model.forward(pool, input, true), labels.data(), d, nullptr);
  };
  Tensor d_logits;
  softmax_cross_entropy(model.forward(pool, input, true), labels.data(), d_logits, nullptr);
  model.backward(pool, d_logits);
  REQUIRE(model.params().size() >= 9);
  for (auto& p : model.params()) {
    INFO("parameter " << p.name);
    std::vector<float> grad = p.grad;
    check_gradient(p.value, grad, loss, 1e-3, 2e-2, p.value.size() > 60 ? 7 : 1);
  }
}
