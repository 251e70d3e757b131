#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

#include "metrics/label_access.hpp"
#include "metrics/metrics.hpp"

namespace medsam {
namespace {

void grow_box(LabelCounts& c, int64_t i, int64_t j, int64_t k) {
  c.lo = {std::min(c.lo[0], i), std::min(c.lo[1], j), std::min(c.lo[2], k)};
  c.hi = {std::max(c.hi[0], i), std::max(c.hi[1], j), std::max(c.hi[2], k)};
}

// Label id -> position in the requested list (-1 when not requested): a dense table for
// the usual small ids, a sorted search when a requested id is huge.
class LabelSlots {
 public:
  explicit LabelSlots(const std::vector<int64_t>& labels) {
    int64_t top = 0;
    for (int64_t l : labels) top = std::max(top, l);
    if (top <= kDenseLimit) {
      dense_.assign(static_cast<size_t>(top) + 1, -1);
      for (size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] > 0) dense_[labels[i]] = static_cast<int64_t>(i);
      }
    } else {
      for (size_t i = 0; i < labels.size(); ++i)
        sorted_.emplace_back(labels[i], static_cast<int64_t>(i));
      std::sort(sorted_.begin(), sorted_.end());
    }
  }
  int64_t operator()(int64_t label) const {
    if (label <= 0) return -1;
    if (!sorted_.empty() || dense_.empty()) {
      auto it =
          std::lower_bound(sorted_.begin(), sorted_.end(), std::make_pair(label, int64_t{-1}));
      return it != sorted_.end() && it->first == label ? it->second : -1;
    }
    return label < static_cast<int64_t>(dense_.size()) ? dense_[label] : -1;
  }

 private:
  static constexpr int64_t kDenseLimit = 1 << 20;
  std::vector<int64_t> dense_;
  std::vector<std::pair<int64_t, int64_t>> sorted_;
};

}  // namespace

std::vector<LabelCounts> count_labels(const LabelVolume& gt, const LabelVolume& seg,
                                      const std::vector<int64_t>& labels) {
  if (gt.shape != seg.shape) throw std::invalid_argument("gt and seg have different shapes");
  const LabelSlots slot(labels);
  std::vector<LabelCounts> counts(labels.size());
  const auto& s = gt.shape;
  detail::with_label_type(gt, [&](auto* g) {
    detail::with_label_type(seg, [&](auto* p) {
      for (int64_t i = 0; i < s[0]; ++i)
        for (int64_t j = 0; j < s[1]; ++j)
          for (int64_t k = 0; k < s[2]; ++k) {
            const int64_t at = (i * s[1] + j) * s[2] + k;
            const int64_t a = slot(static_cast<int64_t>(g[at]));
            const int64_t b = slot(static_cast<int64_t>(p[at]));
            if (a >= 0) {
              grow_box(counts[a], i, j, k);
              ++counts[a].gt;
              if (a == b) ++counts[a].both;
            }
            if (b >= 0) {
              if (b != a) grow_box(counts[b], i, j, k);
              ++counts[b].seg;
            }
          }
      return 0;
    });
    return 0;
  });
  return counts;
}

}  // namespace medsam
