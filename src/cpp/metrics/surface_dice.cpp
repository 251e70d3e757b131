#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>

#include "metrics/edt.hpp"
#include "metrics/label_access.hpp"
#include "metrics/metrics.hpp"

namespace medsam {
namespace {

using detail::voxels;
using detail::with_label_type;

// A label's masks cropped to its union box, with one zero layer on every side, so the
// 2x2x2 neighbourhoods of the surface grid never leave the array.
struct Crop {
  std::array<int64_t, 3> extent;  // box size
  std::array<int64_t, 3> padded;  // extent + 2
  std::vector<uint8_t> gt, seg;
};

template <typename A, typename B>
Crop crop_label(const A* gt, const B* seg, const std::array<int64_t, 3>& full, int64_t label,
                const LabelCounts& c) {
  Crop crop;
  for (int a = 0; a < 3; ++a) {
    crop.extent[a] = c.hi[a] - c.lo[a] + 1;
    crop.padded[a] = crop.extent[a] + 2;
  }
  crop.gt.assign(voxels(crop.padded), 0);
  crop.seg.assign(voxels(crop.padded), 0);
  for (int64_t i = c.lo[0]; i <= c.hi[0]; ++i) {
    for (int64_t j = c.lo[1]; j <= c.hi[1]; ++j) {
      const int64_t src = (i * full[1] + j) * full[2];
      const int64_t dst =
          ((i - c.lo[0] + 1) * crop.padded[1] + (j - c.lo[1] + 1)) * crop.padded[2] + 1 - c.lo[2];
      for (int64_t k = c.lo[2]; k <= c.hi[2]; ++k) {
        crop.gt[dst + k] = static_cast<int64_t>(gt[src + k]) == label;
        crop.seg[dst + k] = static_cast<int64_t>(seg[src + k]) == label;
      }
    }
  }
  return crop;
}

// surface-distance's neighbour codes on the (extent + 1)^3 grid of voxel corners: the code
// of corner g is the 2x2x2 block of voxels g-1..g, voxel (g0-1, g1-1, g2-1) as bit 128.
std::vector<uint8_t> neighbour_codes(const std::vector<uint8_t>& m, const Crop& crop,
                                     std::array<int64_t, 3>& grid) {
  const auto& p = crop.padded;
  for (int a = 0; a < 3; ++a) grid[a] = crop.extent[a] + 1;
  std::vector<uint8_t> codes(voxels(grid));
  const int64_t s0 = p[1] * p[2], s1 = p[2];
  uint8_t* out = codes.data();
  for (int64_t i = 0; i < grid[0]; ++i) {
    for (int64_t j = 0; j < grid[1]; ++j) {
      const uint8_t* r00 = m.data() + i * s0 + j * s1;  // voxel rows (i-1, j-1), (i-1, j), ...
      const uint8_t* r01 = r00 + s1;
      const uint8_t* r10 = r00 + s0;
      const uint8_t* r11 = r10 + s1;
      for (int64_t k = 0; k < grid[2]; ++k) {
        *out++ = static_cast<uint8_t>((r00[k] << 7) | (r00[k + 1] << 6) | (r01[k] << 5) |
                                      (r01[k + 1] << 4) | (r10[k] << 3) | (r10[k + 1] << 2) |
                                      (r11[k] << 1) | r11[k + 1]);
      }
    }
  }
  return codes;
}

bool is_border(uint8_t code) { return code != 0 && code != 255; }

// Grid offsets within `tolerance` (at this spacing), nearest first.
struct Offset {
  int64_t d[3];
  double distance;
};

std::vector<Offset> offsets_within(double tolerance, const std::array<double, 3>& spacing,
                                   size_t limit) {
  int64_t r[3];
  double count = 1;
  for (int a = 0; a < 3; ++a) {
    r[a] = static_cast<int64_t>(std::floor(tolerance / spacing[a]));
    count *= 2.0 * r[a] + 1;
  }
  std::vector<Offset> out;
  if (count > static_cast<double>(limit)) return out;
  for (int64_t a = -r[0]; a <= r[0]; ++a)
    for (int64_t b = -r[1]; b <= r[1]; ++b)
      for (int64_t c = -r[2]; c <= r[2]; ++c) {
        // The same arithmetic scipy's distance transform uses for its final distances.
        const double x = a * spacing[0], y = b * spacing[1], z = c * spacing[2];
        const double d = std::sqrt(x * x + y * y + z * z);
        if (d <= tolerance) out.push_back({{a, b, c}, d});
      }
  std::sort(out.begin(), out.end(),
            [](const Offset& u, const Offset& v) { return u.distance < v.distance; });
  return out;
}

// For each border point of `from`, whether a border point of `to` lies within tolerance.
class WithinTolerance {
 public:
  virtual ~WithinTolerance() = default;
  virtual bool operator()(int64_t index, int64_t i, int64_t j, int64_t k) const = 0;
};

// Small tolerances: look through the few grid offsets within reach, nearest first.
class NeighbourSearch : public WithinTolerance {
 public:
  NeighbourSearch(const std::vector<uint8_t>& to, const std::array<int64_t, 3>& grid,
                  const std::vector<Offset>& offsets)
      : to_(to), grid_(grid), offsets_(offsets) {}
  bool operator()(int64_t, int64_t i, int64_t j, int64_t k) const override {
    for (const Offset& o : offsets_) {
      const int64_t a = i + o.d[0], b = j + o.d[1], c = k + o.d[2];
      if (a < 0 || b < 0 || c < 0 || a >= grid_[0] || b >= grid_[1] || c >= grid_[2]) continue;
      if (is_border(to_[(a * grid_[1] + b) * grid_[2] + c])) return true;
    }
    return false;
  }

 private:
  const std::vector<uint8_t>& to_;
  const std::array<int64_t, 3>& grid_;
  const std::vector<Offset>& offsets_;
};

// Large tolerances: an exact distance transform of the other surface.
class DistanceMap : public WithinTolerance {
 public:
  DistanceMap(const std::vector<uint8_t>& to, const std::array<int64_t, 3>& grid,
              const std::array<double, 3>& spacing, double tolerance)
      : tolerance_(tolerance), squared_(to.size()) {
    for (size_t i = 0; i < to.size(); ++i) {
      squared_[i] = is_border(to[i]) ? 0.0 : std::numeric_limits<double>::infinity();
    }
    squared_edt_3d(squared_, grid, spacing);
  }
  bool operator()(int64_t index, int64_t, int64_t, int64_t) const override {
    return std::sqrt(squared_[index]) <= tolerance_;
  }

 private:
  double tolerance_;
  std::vector<double> squared_;
};

// Beyond this many offsets a distance transform is cheaper than searching.
constexpr size_t kMaxSearchOffsets = 4096;

std::unique_ptr<WithinTolerance> make_search(const std::vector<uint8_t>& to,
                                             const std::array<int64_t, 3>& grid,
                                             const std::array<double, 3>& spacing, double tolerance,
                                             const std::vector<Offset>& offsets) {
  if (!offsets.empty()) return std::make_unique<NeighbourSearch>(to, grid, offsets);
  return std::make_unique<DistanceMap>(to, grid, spacing, tolerance);
}

}  // namespace

double surface_dice(const LabelVolume& gt, const LabelVolume& seg, int64_t label,
                    const LabelCounts& counts, const std::array<double, 3>& spacing,
                    const std::array<double, 256>& area_table, double tolerance) {
  if (counts.gt + counts.seg == 0) return std::numeric_limits<double>::quiet_NaN();
  if (counts.gt == 0 || counts.seg == 0) return 0.0;  // one surface is empty: nothing is near it
  const Crop crop = with_label_type(gt, [&](auto* g) {
    return with_label_type(seg, [&](auto* p) { return crop_label(g, p, gt.shape, label, counts); });
  });
  std::array<int64_t, 3> grid;
  const auto codes_gt = neighbour_codes(crop.gt, crop, grid);
  const auto codes_seg = neighbour_codes(crop.seg, crop, grid);
  const auto offsets = offsets_within(tolerance, spacing, kMaxSearchOffsets);
  const auto near_seg = make_search(codes_seg, grid, spacing, tolerance, offsets);
  const auto near_gt = make_search(codes_gt, grid, spacing, tolerance, offsets);
  // Summed per side, as surface-distance does, so identical surfaces give exactly 1.
  double area_gt = 0, area_seg = 0, overlap_gt = 0, overlap_seg = 0;
  int64_t index = 0;
  for (int64_t i = 0; i < grid[0]; ++i)
    for (int64_t j = 0; j < grid[1]; ++j)
      for (int64_t k = 0; k < grid[2]; ++k, ++index) {
        if (is_border(codes_gt[index])) {
          const double area = area_table[codes_gt[index]];
          area_gt += area;
          if ((*near_seg)(index, i, j, k)) overlap_gt += area;
        }
        if (is_border(codes_seg[index])) {
          const double area = area_table[codes_seg[index]];
          area_seg += area;
          if ((*near_gt)(index, i, j, k)) overlap_seg += area;
        }
      }
  return (overlap_gt + overlap_seg) / (area_gt + area_seg);
}

std::vector<double> surface_dice_labels(const LabelVolume& gt, const LabelVolume& seg,
                                        const std::vector<int64_t>& labels,
                                        const std::vector<LabelCounts>& counts,
                                        const std::array<double, 3>& spacing,
                                        const std::array<double, 256>& area_table, double tolerance,
                                        int threads) {
  std::vector<double> out(labels.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i = next++; i < labels.size(); i = next++) {
      try {
        out[i] = surface_dice(gt, seg, labels[i], counts[i], spacing, area_table, tolerance);
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
