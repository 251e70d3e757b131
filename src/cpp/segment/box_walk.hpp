// One box's walk through its slices in a 3D propagation: the middle slice prompted by the
// box itself, then down to its first slice and up to its last, each prompted by the
// previous slice's mask (the upward part starts again from the middle's).  Walks of
// different boxes are independent, so a pass may interleave their steps in any order
// (segment/walk_schedule.hpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "image/masks.hpp"
#include "segment/boxes.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

class BoxWalk {
 public:
  BoxWalk(SliceRange range, Box original, bool small, uint8_t drawn_value, int64_t pixels)
      : range_(range),
        original_(original),
        small_(small),
        drawn_value_(drawn_value),
        z_(range.mid),
        mask_(pixels),
        mid_mask_(pixels) {}

  int slice() const { return z_; }
  SliceRange range() const { return range_; }
  bool at_middle() const { return z_ == range_.mid; }
  Box original() const { return original_; }
  // Narrow in the 256 frame (segment/confident_prompts.hpp): the confidence-guided
  // strategy prompts it with the box on every slice.
  bool small() const { return small_; }
  // The box of the previous slice's mask grown by `margin` (256 frame); nullopt on the
  // middle slice and when nothing of that mask survives the resize.
  std::optional<Box> propagated(const Volume3D& volume, Extent resized, int margin,
                                std::vector<uint8_t>& scratch) const {
    if (at_middle()) return std::nullopt;
    return propagation_box(mask_.data(), volume.h, volume.w, resized, drawn_value_, margin,
                           scratch);
  }

  Box prompt(const Volume3D& volume, Extent resized, int margin,
             std::vector<uint8_t>& scratch) const {
    return propagated(volume, resized, margin, scratch).value_or(original_);
  }

  // Holds the previous slice's mask until slice()'s mask is written into it.
  uint8_t* mask() { return mask_.data(); }

  // The previous slice's mask area in the 256 frame, as kept by keep_area(); 0 on the
  // middle slice.
  int64_t previous_area() const { return at_middle() ? 0 : area_; }
  void keep_area(int64_t area) { area_ = area; }

  void advance() {
    if (z_ == range_.mid) {
      std::copy(mask_.begin(), mask_.end(), mid_mask_.begin());
      mid_area_ = area_;
    }
    if (z_ <= range_.mid && z_ > range_.first) {
      --z_;
      return;
    }
    if (z_ <= range_.mid) {  // the downward part is done: go up from the middle's mask
      std::copy(mid_mask_.begin(), mid_mask_.end(), mask_.begin());
      area_ = mid_area_;
      z_ = range_.mid;
    }
    z_ = z_ + 1 <= range_.last ? z_ + 1 : -1;
  }

 private:
  SliceRange range_;
  Box original_;
  bool small_;
  uint8_t drawn_value_;  // the reference draws its propagation masks with the label value
  int z_;
  std::vector<uint8_t> mask_, mid_mask_;
  int64_t area_ = 0, mid_area_ = 0;
};

}  // namespace medsam
