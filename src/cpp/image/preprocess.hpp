// Encoder input for one image: longest side resized to 256 with INTER_AREA, min-max
// normalised over the whole resized image, zero-padded bottom/right, as 3 planes.
#pragma once
#include <cstdint>
#include <vector>

#include "image/resize.hpp"

namespace medsam {

constexpr int kFrame = 256;                              // encoder input side
constexpr int64_t kInputElements = 3 * kFrame * kFrame;  // one (3,256,256) input

// `img` is (h, w) grey (channels == 1, repeated to 3) or (h, w, 3) interleaved, with
// rows `row_stride` elements apart.  Writes kInputElements floats to `out` and returns
// the resized extent.  `scratch` is reused between calls to avoid allocations.
Extent prepare_encoder_input(const uint8_t* img, int h, int w, int channels, int64_t row_stride,
                             float* out, std::vector<uint8_t>& scratch);

}  // namespace medsam
