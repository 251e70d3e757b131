#include "segment/neighbour_smoothing.hpp"

#include <stdexcept>

#include "models/litemedsam_model.hpp"

namespace medsam {

NeighbourSmoother::NeighbourSmoother(SliceRange range)
    : range_(range),
      state_(range.last - range.first + 1, State::kAbsent),
      logits_(range.last - range.first + 1) {}

std::vector<int> NeighbourSmoother::add(int z, const float* logits) {
  if (!inside(z) || state_[z - range_.first] != State::kAbsent) {
    throw std::logic_error("a slice was smoothed twice or outside its box");
  }
  logits_[z - range_.first].assign(logits, logits + kLogitElements);
  state_[z - range_.first] = State::kKept;
  std::vector<int> ready;
  for (int n = z - 1; n <= z + 1; ++n) {
    if (make_ready(n)) ready.push_back(n);
  }
  return ready;
}

bool NeighbourSmoother::make_ready(int z) {
  if (!inside(z) || state_[z - range_.first] != State::kKept) return false;
  if (!known(z - 1) || !known(z + 1)) return false;
  state_[z - range_.first] = State::kReady;
  return true;
}

void NeighbourSmoother::smooth(int z, float* out) {
  if (!inside(z) || state_[z - range_.first] != State::kReady) {
    throw std::logic_error("a slice was smoothed before its neighbours were known");
  }
  const float* centre = logits_[z - range_.first].data();
  const float* below = inside(z - 1) ? logits_[z - 1 - range_.first].data() : nullptr;
  const float* above = inside(z + 1) ? logits_[z + 1 - range_.first].data() : nullptr;
  // The same operations in the same order as the reference (tests/reference_pipeline.py):
  // halving is exact, so each pixel is rounded twice, after each sum.
  const float weights = 1.0f + 2.0f * kNeighbourWeight;
  for (int64_t p = 0; p < kLogitElements; ++p) {
    float sum = kNeighbourWeight * (below ? below[p] : kOutsideLogit) + centre[p];
    sum += kNeighbourWeight * (above ? above[p] : kOutsideLogit);
    out[p] = sum / weights;
  }
  state_[z - range_.first] = State::kWritten;
  for (int n = z - 1; n <= z + 1; ++n) free_if_done(n);
}

void NeighbourSmoother::free_if_done(int z) {
  if (!inside(z) || state_[z - range_.first] != State::kWritten) return;
  for (int n = z - 1; n <= z + 1; n += 2) {
    if (inside(n) && state_[n - range_.first] != State::kWritten) return;
  }
  std::vector<float>().swap(logits_[z - range_.first]);
}

}  // namespace medsam
