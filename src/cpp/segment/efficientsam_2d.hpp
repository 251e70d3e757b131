// 2D segmentation with a point-prompted family (EfficientSAM): the image stretched to
// the encoder's square, each box given as two labelled corner points (plus, optionally,
// its centre as a foreground point), the best of several masks kept and upsampled as
// torch does.
#pragma once
#include <array>
#include <cstdint>

#include "models/efficientsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

struct PointPromptSettings {
  bool scale_by_max = true;  // divide by the image's maximum (else by 255) before resizing
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  bool center_point = true;  // add the box centre as a foreground point (label 1)
  int mask_output = -1;      // which of the K masks; -1 takes the highest predicted IoU
  bool bicubic = true;       // upsampling of the 256 logits (else bilinear)
};

// The encoder input (3, S, S): channels scaled to [0, 1], stretched to S x S with torch's
// bilinear resampling, normalised with mean/std.  `img` is (h, w) grey or (h, w, 3).
void prepare_stretched_input(const uint8_t* img, int h, int w, int channels, int size,
                             const PointPromptSettings& settings, float* out);

// boxes: n rows of [x0, y0, x1, y1] (pixels, inclusive).  segs: h*w labels, zeroed by the
// caller; label i+1 is written for box i, later boxes overwrite earlier ones.
template <typename Label>
void segment_2d_points(const EfficientSAMModel& model, const Image2D& image, const double* boxes,
                       int64_t n, const PointPromptSettings& settings, Label* segs,
                       SegmentStats& stats);

}  // namespace medsam
