#include "batch_decode.hpp"

#include <algorithm>

#include "segment_common.hpp"

namespace medsam {

void decode_boxes(const LiteMedSAMModel& model, const float* embedding, const std::vector<Box>& boxes,
                  Extent resized, int h, int w, SegmentStats& stats,
                  const std::function<void(size_t, const uint8_t*)>& emit) {
  const int64_t n = static_cast<int64_t>(boxes.size());
  std::vector<float> logits;
  std::vector<uint8_t> mask(static_cast<size_t>(h) * w);
  for (int64_t first = 0; first < n; first += kDecodeBatch) {
    const int64_t count = std::min(kDecodeBatch, n - first);
    logits.resize(count * kLogitElements);
    {
      ScopedTimer t(stats.decode_seconds);
      model.decode(embedding, &boxes[first].x0, count, logits.data());
      stats.decoder_runs += 1;
      stats.masks_decoded += count;
    }
    for (int64_t i = 0; i < count; ++i) {
      {
        ScopedTimer t(stats.postprocess_seconds);
        logits_to_mask(logits.data() + i * kLogitElements, resized, h, w, mask.data());
      }
      emit(static_cast<size_t>(first + i), mask.data());
    }
  }
}

}  // namespace medsam
