// Box-prompted segmentation of a 2D image or a 3D volume with LiteMedSAM.
#pragma once
#include <cstdint>
#include <vector>

#include "models/litemedsam_model.hpp"

namespace medsam {

// What one call did and where its time went, for profiling and for tests that pin down
// how often the encoder ran.
struct SegmentStats {
  int64_t slices_encoded = 0;  // encoder runs (each encodes one image or slice)
  int64_t decoder_runs = 0;
  int64_t masks_decoded = 0;
  int64_t peak_cached_embeddings = 0;
  double preprocess_seconds = 0, encode_seconds = 0, decode_seconds = 0, postprocess_seconds = 0;
};

struct Image2D {
  const uint8_t* data;
  int h, w, channels;  // channels 1 (grey) or 3 (interleaved)
};

struct Volume3D {
  const uint8_t* data;
  int d, h, w;
};

struct PropagationSettings {
  int margin = 3;                // px in the 256 frame added around the previous mask's box
  size_t max_cached_embeddings = 64;
};

// boxes: n rows of [x0, y0, x1, y1] (pixels, inclusive).  segs: h*w labels, zeroed by
// the caller; label i+1 is written for box i, later boxes overwrite earlier ones.
template <typename Label>
void segment_2d(const LiteMedSAMModel& model, const Image2D& image, const double* boxes, int64_t n,
                Label* segs, SegmentStats& stats);

// boxes: n rows of [x0, y0, z0, x1, y1, z1] (voxels, inclusive).  Each box is segmented
// on its middle slice, then propagated up to z1 and down to z0, each slice prompted by
// the previous slice's mask.  Slices shared by several boxes are encoded once.
template <typename Label>
void segment_3d(const LiteMedSAMModel& model, const Volume3D& volume, const double* boxes,
                int64_t n, const PropagationSettings& settings, Label* segs, SegmentStats& stats);

}  // namespace medsam
