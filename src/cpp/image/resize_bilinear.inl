// Template body of medsam::bilinear_resize (included by resize.hpp).
#pragma once
#include <algorithm>
#include <vector>

namespace medsam {
namespace detail {

// torch's source index for output i (float arithmetic, negative sources clamp to 0).
struct LinearTap {
  int i0, i1;
  float l0, l1;
};

inline LinearTap linear_tap(int out_index, int in_size, float scale) {
  float src = scale * (static_cast<float>(out_index) + 0.5f) - 0.5f;
  if (src < 0.f) src = 0.f;
  int i0 = static_cast<int>(src);
  if (i0 > in_size - 1) i0 = in_size - 1;
  int i1 = i0 + (i0 < in_size - 1 ? 1 : 0);
  float l1 = src - static_cast<float>(i0);
  return {i0, i1, 1.f - l1, l1};
}

}  // namespace detail

template <typename Emit>
void bilinear_resize(const float* src, int ch, int cw, int64_t src_row_stride, int dh, int dw,
                     int y0, int y1, int x0, int x1, Emit&& emit) {
  const float sy = static_cast<float>(ch) / static_cast<float>(dh);
  const float sx = static_cast<float>(cw) / static_cast<float>(dw);
  std::vector<detail::LinearTap> xtaps(std::max(0, x1 - x0));
  for (int x = x0; x < x1; ++x) xtaps[x - x0] = detail::linear_tap(x, cw, sx);
  for (int y = y0; y < y1; ++y) {
    const detail::LinearTap ty = detail::linear_tap(y, ch, sy);
    const float* r0 = src + ty.i0 * src_row_stride;
    const float* r1 = src + ty.i1 * src_row_stride;
    for (int x = x0; x < x1; ++x) {
      const detail::LinearTap& tx = xtaps[x - x0];
      float v = ty.l0 * (tx.l0 * r0[tx.i0] + tx.l1 * r0[tx.i1]) +
                ty.l1 * (tx.l0 * r1[tx.i0] + tx.l1 * r1[tx.i1]);
      emit(y, x, v);
    }
  }
}

}  // namespace medsam
