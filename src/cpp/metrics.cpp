#include "metrics.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "edt.hpp"

namespace medsam {
namespace {

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

int64_t voxels(const std::array<int64_t, 3>& s) { return s[0] * s[1] * s[2]; }

void grow_box(LabelCounts& c, int64_t i, int64_t j, int64_t k) {
  c.lo = {std::min(c.lo[0], i), std::min(c.lo[1], j), std::min(c.lo[2], k)};
  c.hi = {std::max(c.hi[0], i), std::max(c.hi[1], j), std::max(c.hi[2], k)};
}

// A label's binary mask cropped to its union box, with one zero layer after the box on
// every axis (where the last neighbour codes of the surface sit).
struct Crop {
  std::array<int64_t, 3> origin, shape;  // shape = box extent + 1
  std::vector<uint8_t> gt, seg;
};

template <typename A, typename B>
Crop crop_label(const A* gt, const B* seg, const std::array<int64_t, 3>& full, int64_t label,
                const LabelCounts& c) {
  Crop crop;
  crop.origin = c.lo;
  for (int a = 0; a < 3; ++a) crop.shape[a] = c.hi[a] - c.lo[a] + 2;
  crop.gt.assign(voxels(crop.shape), 0);
  crop.seg.assign(voxels(crop.shape), 0);
  for (int64_t i = c.lo[0]; i <= c.hi[0]; ++i) {
    for (int64_t j = c.lo[1]; j <= c.hi[1]; ++j) {
      const int64_t src = (i * full[1] + j) * full[2];
      const int64_t dst = ((i - c.lo[0]) * crop.shape[1] + (j - c.lo[1])) * crop.shape[2] - c.lo[2];
      for (int64_t k = c.lo[2]; k <= c.hi[2]; ++k) {
        crop.gt[dst + k] = static_cast<int64_t>(gt[src + k]) == label;
        crop.seg[dst + k] = static_cast<int64_t>(seg[src + k]) == label;
      }
    }
  }
  return crop;
}

// surface-distance's neighbour code at grid point (i,j,k): the 2x2x2 block of voxels
// [i-1..i] x [j-1..j] x [k-1..k], voxel (i-1,j-1,k-1) as the top bit (128).
std::vector<uint8_t> neighbour_codes(const std::vector<uint8_t>& m, const std::array<int64_t, 3>& s) {
  std::vector<uint8_t> codes(m.size(), 0);
  auto at = [&](int64_t i, int64_t j, int64_t k) -> int {
    if (i < 0 || j < 0 || k < 0) return 0;
    return m[(i * s[1] + j) * s[2] + k];
  };
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t k = 0; k < s[2]; ++k) {
        codes[(i * s[1] + j) * s[2] + k] = static_cast<uint8_t>(
            128 * at(i - 1, j - 1, k - 1) + 64 * at(i - 1, j - 1, k) + 32 * at(i - 1, j, k - 1) +
            16 * at(i - 1, j, k) + 8 * at(i, j - 1, k - 1) + 4 * at(i, j - 1, k) +
            2 * at(i, j, k - 1) + at(i, j, k));
      }
  return codes;
}

bool is_border(uint8_t code) { return code != 0 && code != 255; }

std::vector<double> distance_to_border(const std::vector<uint8_t>& codes,
                                       const std::array<int64_t, 3>& shape,
                                       const std::array<double, 3>& spacing, bool& any) {
  std::vector<double> d(codes.size());
  any = false;
  for (size_t i = 0; i < codes.size(); ++i) {
    const bool b = is_border(codes[i]);
    any |= b;
    d[i] = b ? 0.0 : std::numeric_limits<double>::infinity();
  }
  if (any) squared_edt_3d(d, shape, spacing);
  return d;
}

}  // namespace

std::vector<LabelCounts> count_labels(const LabelVolume& gt, const LabelVolume& seg, int64_t max_label) {
  if (gt.shape != seg.shape) throw std::invalid_argument("gt and seg have different shapes");
  std::vector<LabelCounts> counts(max_label + 1);
  const auto& s = gt.shape;
  with_label_type(gt, [&](auto* g) {
    with_label_type(seg, [&](auto* p) {
      for (int64_t i = 0; i < s[0]; ++i)
        for (int64_t j = 0; j < s[1]; ++j)
          for (int64_t k = 0; k < s[2]; ++k) {
            const int64_t at = (i * s[1] + j) * s[2] + k;
            const int64_t a = static_cast<int64_t>(g[at]), b = static_cast<int64_t>(p[at]);
            if (a == b) {
              if (a <= 0 || a > max_label) continue;
              LabelCounts& c = counts[a];
              grow_box(c, i, j, k);
              ++c.gt, ++c.seg, ++c.both;
              continue;
            }
            if (a > 0 && a <= max_label) {
              grow_box(counts[a], i, j, k);
              ++counts[a].gt;
            }
            if (b > 0 && b <= max_label) {
              grow_box(counts[b], i, j, k);
              ++counts[b].seg;
            }
          }
      return 0;
    });
    return 0;
  });
  return counts;
}

double surface_dice(const LabelVolume& gt, const LabelVolume& seg, int64_t label,
                    const LabelCounts& counts, const std::array<double, 3>& spacing,
                    const std::array<double, 256>& area_table, double tolerance) {
  if (counts.gt + counts.seg == 0) return std::numeric_limits<double>::quiet_NaN();
  Crop crop = with_label_type(gt, [&](auto* g) {
    return with_label_type(seg, [&](auto* p) { return crop_label(g, p, gt.shape, label, counts); });
  });
  const auto codes_gt = neighbour_codes(crop.gt, crop.shape);
  const auto codes_seg = neighbour_codes(crop.seg, crop.shape);
  bool any_gt = false, any_seg = false;
  const auto to_gt = distance_to_border(codes_gt, crop.shape, spacing, any_gt);
  const auto to_seg = distance_to_border(codes_seg, crop.shape, spacing, any_seg);
  // Summed per side, as surface-distance does, so identical surfaces give exactly 1.
  double area_gt = 0, area_seg = 0, overlap_gt = 0, overlap_seg = 0;
  for (size_t i = 0; i < codes_gt.size(); ++i) {
    if (is_border(codes_gt[i])) {
      const double area = area_table[codes_gt[i]];
      area_gt += area;
      if (any_seg && std::sqrt(to_seg[i]) <= tolerance) overlap_gt += area;
    }
    if (is_border(codes_seg[i])) {
      const double area = area_table[codes_seg[i]];
      area_seg += area;
      if (any_gt && std::sqrt(to_gt[i]) <= tolerance) overlap_seg += area;
    }
  }
  return (overlap_gt + overlap_seg) / (area_gt + area_seg);
}

std::vector<double> surface_dice_labels(const LabelVolume& gt, const LabelVolume& seg,
                                        const std::vector<int64_t>& labels,
                                        const std::vector<LabelCounts>& counts,
                                        const std::array<double, 3>& spacing,
                                        const std::array<double, 256>& area_table,
                                        double tolerance, int threads) {
  std::vector<double> out(labels.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i = next++; i < labels.size(); i = next++) {
      try {
        out[i] = surface_dice(gt, seg, labels[i], counts.at(labels[i]), spacing, area_table, tolerance);
      } catch (...) {
        if (!failed.exchange(true)) failure = std::current_exception();
      }
    }
  };
  const int n = std::max(1, std::min<int>(threads, static_cast<int>(labels.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

}  // namespace medsam
