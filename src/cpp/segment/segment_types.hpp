// What the segmentation strategies share: the views of the caller's image or volume, and
// the statistics each call reports.
#pragma once
#include <cstdint>

namespace medsam {

// What one call did and where its time went, for profiling and for tests that pin down
// how often the encoder ran.
struct SegmentStats {
  int64_t slices_encoded = 0;  // encoder runs (each encodes one image or slice)
  int64_t decoder_runs = 0;
  // Of those, the 3D pass's runs on the half-threaded sessions while the encode-ahead
  // helper encoded; the rest had all the threads.
  int64_t decoder_runs_beside_helper = 0;
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

}  // namespace medsam
