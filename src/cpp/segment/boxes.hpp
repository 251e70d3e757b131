// Checks of the boxes callers pass in, and a 3D box's range of slices along one axis.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace medsam {

// Boxes are named by number from 1, as their labels are and as the Python checks name them.
inline std::string box_name(int64_t index) { return "box " + std::to_string(index + 1); }

// Throws std::invalid_argument unless the box's `count` coordinates are all finite.
inline void check_box_values(const double* box, int count, int64_t index) {
  for (int k = 0; k < count; ++k) {
    if (!std::isfinite(box[k])) {
      throw std::invalid_argument(box_name(index) + " has a non-finite coordinate");
    }
  }
}

// A 2D box [x0, y0, x1, y1]: finite, and not inverted.
inline void check_box_2d(const double* b, int64_t index) {
  check_box_values(b, 4, index);
  if (b[2] < b[0] || b[3] < b[1]) {
    throw std::invalid_argument(box_name(index) + " is inverted");
  }
}

// A box's slices along one axis, clipped to the volume, and its middle slice.
struct SliceRange {
  int first, last, mid;
};

inline SliceRange slice_range(double lo, double hi, int size, int64_t index) {
  if (hi < lo) throw std::invalid_argument(box_name(index) + " is inverted");
  const int first = static_cast<int>(std::max(0.0, lo));
  const int last = static_cast<int>(std::min<double>(size - 1, hi));
  if (first > last) {
    throw std::invalid_argument(box_name(index) + " lies outside the volume's " +
                                std::to_string(size) + " slices");
  }
  return {first, last, first + (last - first) / 2};
}

}  // namespace medsam
