#include "image/preprocess.hpp"

#include <algorithm>
#include <stdexcept>

namespace medsam {

Extent prepare_encoder_input(const uint8_t* img, int h, int w, int channels, int64_t row_stride,
                             float* out, std::vector<uint8_t>& scratch) {
  if (channels != 1 && channels != 3)
    throw std::invalid_argument("image must have 1 or 3 channels");
  const Extent e = longest_side_extent(h, w, kFrame);
  const size_t n = static_cast<size_t>(e.h) * e.w * channels;
  scratch.resize(n);
  resize_area(img, h, w, channels, row_stride, scratch.data(), e.h, e.w);

  const auto [lo_it, hi_it] = std::minmax_element(scratch.begin(), scratch.end());
  const double lo = *lo_it;
  // The reference divides by max - min clipped at 1e-8, so a constant image becomes 0.
  const double range = std::max(static_cast<double>(*hi_it) - lo, 1e-8);

  std::fill(out, out + kInputElements, 0.f);
  const int64_t plane = static_cast<int64_t>(kFrame) * kFrame;
  for (int y = 0; y < e.h; ++y) {
    const uint8_t* src = scratch.data() + static_cast<size_t>(y) * e.w * channels;
    for (int x = 0; x < e.w; ++x) {
      const int64_t at = static_cast<int64_t>(y) * kFrame + x;
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = src[x * channels + (channels == 1 ? 0 : c)];
        out[c * plane + at] = static_cast<float>((v - lo) / range);
      }
    }
  }
  return e;
}

}  // namespace medsam
