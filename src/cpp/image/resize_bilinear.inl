// Template body of medsam::bilinear_resize (included by resize.hpp).
#pragma once
#include <algorithm>
#include <vector>

#include "image/linear_taps.hpp"

namespace medsam {

template <typename Emit>
void bilinear_resize(const float* src, int ch, int cw, int64_t src_row_stride, int dh, int dw,
                     int y0, int y1, int x0, int x1, Emit&& emit) {
  const float sy = static_cast<float>(ch) / static_cast<float>(dh);
  const float sx = static_cast<float>(cw) / static_cast<float>(dw);
  std::vector<LinearTap> xtaps(std::max(0, x1 - x0));
  for (int x = x0; x < x1; ++x) xtaps[x - x0] = linear_tap(x, cw, sx);
  for (int y = y0; y < y1; ++y) {
    const LinearTap ty = linear_tap(y, ch, sy);
    const float* r0 = src + ty.i0 * src_row_stride;
    const float* r1 = src + ty.i1 * src_row_stride;
    for (int x = x0; x < x1; ++x) {
      const LinearTap& tx = xtaps[x - x0];
      float v = ty.l0 * (tx.l0 * r0[tx.i0] + tx.l1 * r0[tx.i1]) +
                ty.l1 * (tx.l0 * r1[tx.i0] + tx.l1 * r1[tx.i1]);
      emit(y, x, v);
    }
  }
}

}  // namespace medsam
