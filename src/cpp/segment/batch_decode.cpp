#include "segment/batch_decode.hpp"

#include <algorithm>
#include <exception>
#include <thread>

#include "segment/scoped_timer.hpp"

namespace medsam {
namespace {

// Decodes `count` boxes into `logits`: split over two threads on the half-threaded
// sessions when the model has them (a decode gains little from a second intra-op
// thread, so two single-threaded decodes side by side finish sooner), else one call.
int64_t decode_chunk(const LiteMedSAMModel& model, const float* embedding, const Box* boxes,
                     int64_t count, float* logits) {
  const LiteMedSAMModel* half = count >= 2 ? model.half_threaded() : nullptr;
  if (half == nullptr) {
    model.decode(embedding, &boxes[0].x0, count, logits);
    return 1;
  }
  const int64_t split = count / 2;
  std::exception_ptr helper_error;
  std::thread helper([&] {
    try {
      half->decode(embedding, &boxes[split].x0, count - split, logits + split * kLogitElements);
    } catch (...) {
      helper_error = std::current_exception();
    }
  });
  std::exception_ptr own_error;
  try {
    half->decode(embedding, &boxes[0].x0, split, logits);
  } catch (...) {
    own_error = std::current_exception();
  }
  helper.join();
  if (own_error) std::rethrow_exception(own_error);
  if (helper_error) std::rethrow_exception(helper_error);
  return 2;
}

}  // namespace

void decode_counted(const LiteMedSAMModel& model, const float* embedding, const Box* prompts,
                    int64_t n, float* logits, SegmentStats& stats, float* iou) {
  ScopedTimer t(stats.decode_seconds);
  model.decode(embedding, &prompts[0].x0, n, logits, iou);
  stats.decoder_runs += 1;
  stats.masks_decoded += n;
}

void decode_boxes(const LiteMedSAMModel& model, const float* embedding,
                  const std::vector<Box>& boxes, Extent resized, int h, int w, SegmentStats& stats,
                  const EmitMask& emit) {
  const int64_t n = static_cast<int64_t>(boxes.size());
  std::vector<float> logits;
  std::vector<uint8_t> mask(static_cast<size_t>(h) * w);
  MaskRegion region;  // of `mask` that the previous box may have set
  for (int64_t first = 0; first < n; first += kDecodeBatch) {
    const int64_t count = std::min(kDecodeBatch, n - first);
    logits.resize(count * kLogitElements);
    {
      ScopedTimer t(stats.decode_seconds);
      stats.decoder_runs += decode_chunk(model, embedding, &boxes[first], count, logits.data());
      stats.masks_decoded += count;
    }
    for (int64_t i = 0; i < count; ++i) {
      {
        ScopedTimer t(stats.postprocess_seconds);
        region =
            logits_to_mask(logits.data() + i * kLogitElements, resized, h, w, mask.data(), region);
      }
      emit(static_cast<size_t>(first + i), mask.data(), region);
    }
  }
}

}  // namespace medsam
