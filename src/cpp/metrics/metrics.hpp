// The challenge's accuracy metrics: DSC and normalised surface distance (NSD, DeepMind
// surface-distance's "surface Dice at tolerance"), per label, computed inside each
// label's bounding box so the cost follows the structure's size, not the volume's.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace medsam {

struct LabelVolume {
  const void* data;  // (n0, n1, n2) C-order labels
  // 1, 2, 4 or 8, read as unsigned: signed labels must be >= 0, which the caller checks
  // (Python's metrics module does).
  int itemsize;
  std::array<int64_t, 3> shape;
};

struct LabelCounts {
  int64_t gt = 0, seg = 0, both = 0;
  // Union bounding box (inclusive) of the label in gt and seg; empty while lo > hi.
  std::array<int64_t, 3> lo{INT64_MAX, INT64_MAX, INT64_MAX}, hi{-1, -1, -1};
};

// One pass over both volumes: voxel counts and union bounding boxes of each requested
// label (ids >= 1), in the order of `labels`.
std::vector<LabelCounts> count_labels(const LabelVolume& gt, const LabelVolume& seg,
                                      const std::vector<int64_t>& labels);

// NSD of one label (NaN when it is absent from both, 0 when absent from one).
// `area_table[code]` is the surface area of a 2x2x2 neighbour code at this spacing, as
// surface-distance's create_table_neighbour_code_to_surface_area builds it.
double surface_dice(const LabelVolume& gt, const LabelVolume& seg, int64_t label,
                    const LabelCounts& counts, const std::array<double, 3>& spacing,
                    const std::array<double, 256>& area_table, double tolerance);

// NSD for each label in `labels` (`counts` from count_labels), over `threads` threads.
std::vector<double> surface_dice_labels(const LabelVolume& gt, const LabelVolume& seg,
                                        const std::vector<int64_t>& labels,
                                        const std::vector<LabelCounts>& counts,
                                        const std::array<double, 3>& spacing,
                                        const std::array<double, 256>& area_table, double tolerance,
                                        int threads);

}  // namespace medsam
