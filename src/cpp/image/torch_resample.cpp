#include "image/torch_resample.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "image/linear_taps.hpp"

namespace medsam {
namespace {

// Per output index along one axis: the source taps and their weights.
template <int Taps>
struct AxisWeights {
  std::vector<int> index;     // Taps per output position
  std::vector<float> weight;  // Taps per output position
};

AxisWeights<2> bilinear_axis(int in, int out) {
  AxisWeights<2> a{std::vector<int>(2 * out), std::vector<float>(2 * out)};
  const float scale = static_cast<float>(in) / out;
  for (int d = 0; d < out; ++d) {
    const LinearTap t = linear_tap(d, in, scale);
    a.index[2 * d] = t.i0;
    a.index[2 * d + 1] = t.i1;
    a.weight[2 * d] = t.l0;
    a.weight[2 * d + 1] = t.l1;
  }
  return a;
}

AxisWeights<4> bicubic_axis(int in, int out) {
  constexpr float A = -0.75f;
  AxisWeights<4> a{std::vector<int>(4 * out), std::vector<float>(4 * out)};
  const float scale = static_cast<float>(in) / out;
  for (int d = 0; d < out; ++d) {
    const float real = torch_source_coordinate(scale, d);
    const int i = std::min(static_cast<int>(std::floor(real)), in - 1);
    const float t = std::clamp(real - i, 0.0f, 1.0f);
    const float near1 = ((A + 2) * t - (A + 3)) * t * t + 1;
    const float near2 = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
    const float far0 = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
    const float far3 = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
    const float w[4] = {far0, near1, near2, far3};
    for (int k = 0; k < 4; ++k) {
      a.index[4 * d + k] = std::clamp(i - 1 + k, 0, in - 1);
      a.weight[4 * d + k] = w[k];
    }
  }
  return a;
}

// Separable resampling: rows of src into a (sh, dw) buffer, then columns into dst.
template <int Taps>
void resample(const float* src, int sh, int sw, float* dst, int dh, int dw,
              const AxisWeights<Taps>& xs, const AxisWeights<Taps>& ys) {
  std::vector<float> rows(static_cast<size_t>(sh) * dw);
  for (int y = 0; y < sh; ++y) {
    const float* in = src + static_cast<int64_t>(y) * sw;
    float* out = rows.data() + static_cast<int64_t>(y) * dw;
    for (int x = 0; x < dw; ++x) {
      float v = 0;
      for (int k = 0; k < Taps; ++k) v += xs.weight[Taps * x + k] * in[xs.index[Taps * x + k]];
      out[x] = v;
    }
  }
  for (int y = 0; y < dh; ++y) {
    float* out = dst + static_cast<int64_t>(y) * dw;
    std::fill(out, out + dw, 0.0f);
    for (int k = 0; k < Taps; ++k) {
      const float w = ys.weight[Taps * y + k];
      const float* in = rows.data() + static_cast<int64_t>(ys.index[Taps * y + k]) * dw;
      for (int x = 0; x < dw; ++x) out[x] += w * in[x];
    }
  }
}

}  // namespace

void torch_bilinear(const float* src, int sh, int sw, float* dst, int dh, int dw) {
  resample(src, sh, sw, dst, dh, dw, bilinear_axis(sw, dw), bilinear_axis(sh, dh));
}

void torch_bicubic(const float* src, int sh, int sw, float* dst, int dh, int dw) {
  resample(src, sh, sw, dst, dh, dw, bicubic_axis(sw, dw), bicubic_axis(sh, dh));
}

}  // namespace medsam
