// 3D strategies that prompt every slice with the original box, along any axis, and the
// three-view majority vote built on them (the seed entry's PET strategy).
#pragma once
#include <cstdint>

#include "models/litemedsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

// Slices the volume along `axis` (0 axial: images (H,W); 1 coronal: (D,W); 2 sagittal:
// (D,H)), and segments each slice with the projection of every box that covers it, all
// boxes of a slice in one batched decoder call.  Each slice is encoded once.
template <typename Label>
void segment_box_every_slice(const LiteMedSAMModel& model, const Volume3D& volume,
                             const double* boxes, int64_t n, int axis, Label* segs,
                             SegmentStats& stats);

// Per voxel: the label at least two of the three volumes agree on; where all three
// differ, the smallest of the three (numpy's bincount().argmax() on the three labels).
template <typename Label>
void majority_vote(const Label* a, const Label* b, const Label* c, int64_t n, Label* out);

}  // namespace medsam
