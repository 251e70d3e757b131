#include "masks.hpp"

#include <algorithm>
#include <cmath>

#include "preprocess.hpp"

namespace medsam {

Box box_to_frame(double x0, double y0, double x1, double y1, int h, int w) {
  const double ratio = static_cast<double>(kFrame) / std::max(h, w);
  auto f = [ratio](double v) { return static_cast<float>(std::trunc(v * ratio)); };
  return {f(x0), f(y0), f(x1), f(y1)};
}

int64_t logits_to_mask(const float* logits256, Extent resized, int h, int w, uint8_t* mask) {
  int64_t set = 0;
  bilinear_resize(logits256, resized.h, resized.w, kFrame, h, w, 0, h, 0, w,
                  [&](int y, int x, float v) {
                    const uint8_t on = v > 0.f;
                    mask[static_cast<int64_t>(y) * w + x] = on;
                    set += on;
                  });
  return set;
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
