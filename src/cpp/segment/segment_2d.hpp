// Box-prompted segmentation of a 2D image with LiteMedSAM: one encode, all boxes decoded
// against it in batches.
#pragma once
#include <cstdint>

#include "models/litemedsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

// boxes: n rows of [x0, y0, x1, y1] (pixels, inclusive).  segs: h*w labels, zeroed by
// the caller; label i+1 is written for box i, later boxes overwrite earlier ones.
template <typename Label>
void segment_2d(const LiteMedSAMModel& model, const Image2D& image, const double* boxes, int64_t n,
                Label* segs, SegmentStats& stats);

}  // namespace medsam
