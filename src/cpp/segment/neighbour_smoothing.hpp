// Smoothing a box's kept logits along z before they are cut into its masks.
//
// Each slice of a walk is decoded on its own, so a mask can jump from one slice to the
// next where the object does not: a structure's outline moves little between 1 mm slices.
// A confidence-guided walk writes each slice's mask from the weighted mean of its kept
// logits (256 frame) and its two neighbours', kNeighbourWeight each; a neighbour outside
// the box's z range, where the box says the object is absent, counts as kOutsideLogit.
// The walk itself propagates from the unsmoothed masks, so the prompts and the candidates
// kept do not change, only the masks written (docs/strategies.md, round 9).
//
// Walks go down from the middle slice and then up from it, so a slice's neighbours are
// known at different times: a slice is written once it and both neighbours are, and its
// logits are freed once nothing left needs them, so a walk holds a few slices at a time.
#pragma once
#include <vector>

#include "segment/boxes.hpp"

namespace medsam {

constexpr float kNeighbourWeight = 0.5f;
constexpr float kOutsideLogit = -4.0f;

class NeighbourSmoother {
 public:
  explicit NeighbourSmoother(SliceRange range);

  // Keeps slice z's logits (256, 256) and returns the slices this made ready: those whose
  // logits and both neighbours' are now known.  Only z and its neighbours can become
  // ready, and each slice is returned once.
  std::vector<int> add(int z, const float* logits);

  // Slice z's smoothed logits into `out` (256, 256), then frees what no slice needs any
  // more; z must have come from add().
  void smooth(int z, float* out);

 private:
  bool inside(int z) const { return z >= range_.first && z <= range_.last; }
  bool known(int z) const { return !inside(z) || state_[z - range_.first] != State::kAbsent; }
  bool make_ready(int z);
  void free_if_done(int z);

  enum class State { kAbsent, kKept, kReady, kWritten };
  SliceRange range_;
  std::vector<State> state_;
  std::vector<std::vector<float>> logits_;  // empty once freed
};

}  // namespace medsam
