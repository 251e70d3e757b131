// The order in which a 3D propagation steps its boxes' walks: one upward sweep through
// the volume.  When the sweep reaches a box's middle slice, that box decodes its middle
// and walks all the way down, over slices the sweep has just encoded; at every slice the
// sweep then steps each box whose upward part covers it.  So a slice's uses all come
// while the sweep is near it, and a bounded embedding cache holds the slices between the
// sweep and the lowest slice a later box will walk down to, instead of every slice some
// walk will come back to.  Walks are independent, so the order never changes a mask.
#pragma once
#include <vector>

#include "segment/boxes.hpp"

namespace medsam {

struct WalkStep {
  int walk;   // index into the walks
  int slice;  // the slice that walk decodes at this step
};

// Every step of every walk over `ranges` (one per box), each walk's own steps in its
// order: the middle slice, down to the first, then up from the middle to the last.
std::vector<WalkStep> sweep_schedule(const std::vector<SliceRange>& ranges);

}  // namespace medsam
