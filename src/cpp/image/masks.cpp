#include "image/masks.hpp"

#include <algorithm>
#include <cmath>

#include "image/linear_taps.hpp"
#include "image/preprocess.hpp"

namespace medsam {

Box box_to_frame(double x0, double y0, double x1, double y1, int h, int w) {
  const double ratio = static_cast<double>(kFrame) / std::max(h, w);
  auto f = [ratio](double v) { return static_cast<float>(std::trunc(v * ratio)); };
  return {f(x0), f(y0), f(x1), f(y1)};
}

namespace {

// Output rows (or columns) whose bilinear taps can reach source rows [lo, hi]: a tap reads
// rows i0 and i0 + 1 with i0 = floor(scale * (o + 0.5) - 0.5), so outside this range every
// tap lands on logits at or below the threshold and so does the interpolated value.
std::pair<int, int> reachable(int lo, int hi, int in_size, int out_size) {
  const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
  int first = out_size, last = -1;
  // Monotone in o: find the first and last output index whose taps touch [lo, hi].
  for (int o = 0; o < out_size; ++o) {
    const LinearTap t = linear_tap(o, in_size, scale);
    if (t.i1 >= lo && t.i0 <= hi) {
      first = o;
      break;
    }
  }
  for (int o = out_size - 1; o >= first; --o) {
    const LinearTap t = linear_tap(o, in_size, scale);
    if (t.i1 >= lo && t.i0 <= hi) {
      last = o;
      break;
    }
  }
  return {first, last + 1};
}

void clear(uint8_t* mask, int w, MaskRegion region) {
  for (int y = region.y0; y < region.y1; ++y) {
    std::fill_n(mask + static_cast<int64_t>(y) * w + region.x0, region.x1 - region.x0, 0);
  }
}

}  // namespace

MaskRegion logits_to_mask(const float* logits256, Extent resized, int h, int w, uint8_t* mask,
                          MaskRegion stale, float threshold) {
  clear(mask, w, stale);
  // Only the neighbourhood of the logits above the threshold can hold the mask: upsample
  // just there.
  int y_lo = resized.h, y_hi = -1, x_lo = resized.w, x_hi = -1;
  for (int y = 0; y < resized.h; ++y) {
    const float* row = logits256 + static_cast<int64_t>(y) * kFrame;
    for (int x = 0; x < resized.w; ++x) {
      if (row[x] > threshold) {
        y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
        x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      }
    }
  }
  if (y_hi < 0) return {};
  const auto [y0, y1] = reachable(y_lo, y_hi, resized.h, h);
  const auto [x0, x1] = reachable(x_lo, x_hi, resized.w, w);
  bilinear_resize(
      logits256, resized.h, resized.w, kFrame, h, w, y0, y1, x0, x1,
      [&](int y, int x, float v) { mask[static_cast<int64_t>(y) * w + x] = v > threshold; });
  return {y0, y1, x0, x1};
}

std::optional<PixelBox> nonzero_box(const uint8_t* mask, int h, int w) {
  PixelBox b{w, h, -1, -1};
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = mask + static_cast<int64_t>(y) * w;
    for (int x = 0; x < w; ++x) {
      if (row[x]) {
        b.x0 = std::min(b.x0, x);
        b.x1 = std::max(b.x1, x);
        b.y0 = std::min(b.y0, y);
        b.y1 = std::max(b.y1, y);
      }
    }
  }
  if (b.x1 < 0) return std::nullopt;
  return b;
}

std::optional<Box> propagation_box(const uint8_t* mask, int h, int w, Extent resized,
                                   uint8_t label_value, int margin, std::vector<uint8_t>& scratch) {
  const int64_t n = static_cast<int64_t>(h) * w;
  const size_t resized_n = static_cast<size_t>(resized.h) * resized.w;
  scratch.resize(static_cast<size_t>(n) + resized_n);
  uint8_t* drawn = scratch.data();
  uint8_t* small = scratch.data() + n;
  for (int64_t i = 0; i < n; ++i) drawn[i] = mask[i] ? label_value : 0;
  resize_area(drawn, h, w, 1, w, small, resized.h, resized.w);
  const auto b = nonzero_box(small, resized.h, resized.w);
  if (!b) return std::nullopt;
  auto lo = [margin](int v) { return static_cast<float>(std::max(0, v - margin)); };
  auto hi = [margin](int v) { return static_cast<float>(std::min(kFrame, v + margin)); };
  return Box{lo(b->x0), lo(b->y0), hi(b->x1), hi(b->y1)};
}

}  // namespace medsam
