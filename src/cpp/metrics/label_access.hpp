// Typed access to a LabelVolume's buffer, shared by the counting and surface Dice passes.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>

#include "metrics/metrics.hpp"

namespace medsam {
namespace detail {

// Calls f with the volume's data as unsigned integers of its width.
template <typename F>
auto with_label_type(const LabelVolume& v, F&& f) {
  switch (v.itemsize) {
    case 1: return f(static_cast<const uint8_t*>(v.data));
    case 2: return f(static_cast<const uint16_t*>(v.data));
    case 4: return f(static_cast<const uint32_t*>(v.data));
    case 8: return f(static_cast<const uint64_t*>(v.data));
    default: throw std::invalid_argument("labels must be 1, 2, 4 or 8 bytes wide");
  }
}

inline int64_t voxels(const std::array<int64_t, 3>& s) { return s[0] * s[1] * s[2]; }

}  // namespace detail
}  // namespace medsam
