// Box-prompted segmentation of a 3D volume with LiteMedSAM by propagation: each box is
// segmented on its middle slice, then slice by slice outwards, each slice prompted by the
// box of the previous slice's mask.
#pragma once
#include <cstddef>
#include <cstdint>

#include "models/litemedsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

struct PropagationSettings {
  int margin = 3;  // px in the 256 frame added around the previous mask's box
  // Confidence-guided (segment/confident_prompts.hpp): each slice after the middle one
  // decodes the original box and the propagated one clipped to its footprint, and keeps
  // the mask with the highest predicted IoU.  Needs a decoder with the IoU output.
  bool confident = false;
  size_t max_cached_embeddings = 64;
};

// boxes: n rows of [x0, y0, z0, x1, y1, z1] (voxels, inclusive).  Each box is segmented
// on its middle slice, then propagated up to z1 and down to z0, each slice prompted by
// the previous slice's mask.  Slices shared by several boxes are encoded once.
template <typename Label>
void segment_3d(const LiteMedSAMModel& model, const Volume3D& volume, const double* boxes,
                int64_t n, const PropagationSettings& settings, Label* segs, SegmentStats& stats);

}  // namespace medsam
