#include "segment/slice_strategies.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include "image/masks.hpp"
#include "image/preprocess.hpp"
#include "segment/batch_decode.hpp"
#include "segment/boxes.hpp"
#include "segment/scoped_timer.hpp"

namespace medsam {
namespace {

// How a slice along one axis maps to the volume: pixel (r, c) of slice i is voxel
// i * slice_stride + r * row_stride + c * col_stride.
struct SliceGeometry {
  int count, rows, cols;
  int64_t slice_stride, row_stride, col_stride;
  // Box columns [x0, y0, z0, x1, y1, z1] giving this view's (col, row, slice) bounds.
  int col_lo, row_lo, slice_lo;
};

SliceGeometry geometry(const Volume3D& v, int axis) {
  const int64_t hw = static_cast<int64_t>(v.h) * v.w;
  switch (axis) {
    case 0: return {v.d, v.h, v.w, hw, v.w, 1, 0, 1, 2};
    case 1: return {v.h, v.d, v.w, v.w, hw, 1, 0, 2, 1};
    case 2: return {v.w, v.d, v.h, 1, hw, v.w, 1, 2, 0};
    default: throw std::invalid_argument("axis must be 0, 1 or 2");
  }
}

void copy_slice(const Volume3D& v, const SliceGeometry& g, int i, std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(g.rows) * g.cols);
  const uint8_t* base = v.data + i * g.slice_stride;
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < g.cols; ++c)
      out[static_cast<size_t>(r) * g.cols + c] = base[r * g.row_stride + c * g.col_stride];
  }
}

}  // namespace

template <typename Label>
void segment_box_every_slice(const LiteMedSAMModel& model, const Volume3D& volume,
                             const double* boxes, int64_t n, int axis, Label* segs,
                             SegmentStats& stats) {
  const SliceGeometry g = geometry(volume, axis);
  // Slice -> boxes covering it, in box order (later boxes overwrite earlier ones).
  std::map<int, std::vector<int64_t>> covering;
  for (int64_t i = 0; i < n; ++i) {
    const double* b = boxes + 6 * i;
    check_box_values(b, 6, i);
    const SliceRange r = slice_range(b[g.slice_lo], b[g.slice_lo + 3], g.count, i);
    for (int s = r.first; s <= r.last; ++s) covering[s].push_back(i);
  }
  const Extent resized = longest_side_extent(g.rows, g.cols, kFrame);
  std::vector<float> input(kInputElements), embedding(kEmbeddingElements);
  std::vector<uint8_t> slice, scratch;
  for (const auto& [s, ids] : covering) {
    {
      ScopedTimer t(stats.preprocess_seconds);
      const uint8_t* image = volume.data + s * g.slice_stride;
      if (axis != 0) {
        copy_slice(volume, g, s, slice);
        image = slice.data();
      }
      prepare_encoder_input(image, g.rows, g.cols, 1, g.cols, input.data(), scratch);
    }
    {
      ScopedTimer t(stats.encode_seconds);
      model.encode(input.data(), 1, embedding.data());
      stats.slices_encoded += 1;
    }
    std::vector<Box> prompts;
    for (int64_t id : ids) {
      const double* b = boxes + 6 * id;
      prompts.push_back(
          box_to_frame(b[g.col_lo], b[g.row_lo], b[g.col_lo + 3], b[g.row_lo + 3], g.rows, g.cols));
    }
    Label* base = segs + s * g.slice_stride;
    decode_boxes(model, embedding.data(), prompts, resized, g.rows, g.cols, stats,
                 [&](size_t k, const uint8_t* mask, MaskRegion region) {
                   ScopedTimer t(stats.postprocess_seconds);
                   const Label label = static_cast<Label>(ids[k] + 1);
                   for (int r = region.y0; r < region.y1; ++r) {
                     for (int c = region.x0; c < region.x1; ++c) {
                       if (mask[static_cast<size_t>(r) * g.cols + c])
                         base[r * g.row_stride + c * g.col_stride] = label;
                     }
                   }
                 });
  }
}

template <typename Label>
void majority_vote(const Label* a, const Label* b, const Label* c, int64_t n, Label* out) {
  for (int64_t i = 0; i < n; ++i) {
    const Label x = a[i], y = b[i], z = c[i];
    out[i] = (x == y || x == z) ? x : (y == z ? y : std::min({x, y, z}));
  }
}

template void segment_box_every_slice<uint8_t>(const LiteMedSAMModel&, const Volume3D&,
                                               const double*, int64_t, int, uint8_t*,
                                               SegmentStats&);
template void segment_box_every_slice<uint16_t>(const LiteMedSAMModel&, const Volume3D&,
                                                const double*, int64_t, int, uint16_t*,
                                                SegmentStats&);
template void majority_vote<uint8_t>(const uint8_t*, const uint8_t*, const uint8_t*, int64_t,
                                     uint8_t*);
template void majority_vote<uint16_t>(const uint16_t*, const uint16_t*, const uint16_t*, int64_t,
                                      uint16_t*);

}  // namespace medsam
