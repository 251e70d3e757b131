// Image resampling with the exact rules of the reference pipeline: OpenCV's
// INTER_AREA on uint8 for the encoder input and the propagation masks, and torch's
// bilinear interpolation (align_corners=False) for the mask logits.
#pragma once
#include <cstdint>

namespace medsam {

struct Extent {
  int h, w;
};

// The size that fits the longest side into `target`: round(side * target / longest).
Extent longest_side_extent(int h, int w, int target);

// cv2.resize(src, (dw, dh), interpolation=INTER_AREA) on an interleaved uint8 image
// with `channels` channels: a box average when shrinking, OpenCV's area-weighted
// linear rule when enlarging.  `src_row_stride` is in elements.
void resize_area(const uint8_t* src, int sh, int sw, int channels, int64_t src_row_stride,
                 uint8_t* dst, int dh, int dw);

// F.interpolate(x[:ch, :cw], size=(dh, dw), mode="bilinear", align_corners=False) of a
// float map with row stride `src_row_stride`, evaluated only on the output rows
// [y0, y1) and columns [x0, x1); calls `emit(y, x, value)` for each.
template <typename Emit>
void bilinear_resize(const float* src, int ch, int cw, int64_t src_row_stride, int dh, int dw,
                     int y0, int y1, int x0, int x1, Emit&& emit);

}  // namespace medsam

#include "image/resize_bilinear.inl"
