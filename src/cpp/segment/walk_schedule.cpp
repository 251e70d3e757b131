#include "segment/walk_schedule.hpp"

#include <algorithm>

namespace medsam {

std::vector<WalkStep> sweep_schedule(const std::vector<SliceRange>& ranges) {
  std::vector<WalkStep> steps;
  if (ranges.empty()) return steps;
  int bottom = ranges[0].first, top = ranges[0].last;
  for (const SliceRange& r : ranges) {
    bottom = std::min(bottom, r.first);
    top = std::max(top, r.last);
  }
  for (int z = bottom; z <= top; ++z) {
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (ranges[i].mid != z) continue;
      for (int down = z; down >= ranges[i].first; --down) {
        steps.push_back({static_cast<int>(i), down});
      }
    }
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (ranges[i].mid < z && z <= ranges[i].last) steps.push_back({static_cast<int>(i), z});
    }
  }
  return steps;
}

}  // namespace medsam
