#include "segment.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "batch_decode.hpp"
#include "embedding_cache.hpp"
#include "segment_common.hpp"
#include "masks.hpp"
#include "preprocess.hpp"

namespace medsam {

template <typename Label>
void segment_2d(const LiteMedSAMModel& model, const Image2D& image, const double* boxes, int64_t n,
                Label* segs, SegmentStats& stats) {
  for (int64_t i = 0; i < n; ++i) check_box_values(boxes + 4 * i, 4, i);
  std::vector<float> input(kInputElements), embedding(kEmbeddingElements);
  std::vector<uint8_t> scratch;
  Extent resized;
  {
    ScopedTimer t(stats.preprocess_seconds);
    resized = prepare_encoder_input(image.data, image.h, image.w, image.channels,
                                    static_cast<int64_t>(image.w) * image.channels, input.data(),
                                    scratch);
  }
  {
    ScopedTimer t(stats.encode_seconds);
    model.encode(input.data(), 1, embedding.data());
    stats.slices_encoded += 1;
  }
  const int64_t pixels = static_cast<int64_t>(image.h) * image.w;
  std::vector<Box> frame_boxes;
  for (int64_t i = 0; i < n; ++i) {
    const double* b = boxes + 4 * i;
    frame_boxes.push_back(box_to_frame(b[0], b[1], b[2], b[3], image.h, image.w));
  }
  decode_boxes(model, embedding.data(), frame_boxes, resized, image.h, image.w, stats,
               [&](size_t i, const uint8_t* mask) {
                 ScopedTimer t(stats.postprocess_seconds);
                 write_label(mask, pixels, static_cast<Label>(i + 1), segs);
               });
}

namespace {

// Propagates one box through its slices, writing `label` where its masks are set.
template <typename Label>
class BoxPropagation {
 public:
  BoxPropagation(const LiteMedSAMModel& model, const Volume3D& volume, Extent resized,
                 EmbeddingCache& cache, const PropagationSettings& settings, SegmentStats& stats)
      : model_(model), volume_(volume), resized_(resized), cache_(cache), settings_(settings),
        stats_(stats), pixels_(static_cast<int64_t>(volume.h) * volume.w),
        mid_mask_(pixels_), mask_(pixels_), logits_(kLogitElements) {}

  void run(const double* box, SliceRange range, Label label, Label* segs) {
    const Box original = box_to_frame(box[0], box[1], box[3], box[4], volume_.h, volume_.w);
    // The reference draws its propagation masks with the label value in a uint8 volume.
    const uint8_t drawn_value = static_cast<uint8_t>(std::min<int64_t>(label, 255));
    segment_slice(range.mid, original, label, segs);
    std::copy(mask_.begin(), mask_.end(), mid_mask_.begin());
    for (int z = range.mid + 1; z <= range.last; ++z) {
      segment_slice(z, next_prompt(original, drawn_value), label, segs);
    }
    std::copy(mid_mask_.begin(), mid_mask_.end(), mask_.begin());
    for (int z = range.mid - 1; z >= range.first; --z) {
      segment_slice(z, next_prompt(original, drawn_value), label, segs);
    }
  }

 private:
  Box next_prompt(const Box& original, uint8_t drawn_value) {
    ScopedTimer t(stats_.postprocess_seconds);
    auto from_mask = propagation_box(mask_.data(), volume_.h, volume_.w, resized_, drawn_value,
                                     settings_.margin, scratch_);
    return from_mask ? *from_mask : original;
  }

  void segment_slice(int z, const Box& prompt, Label label, Label* segs) {
    const float* embedding = cache_.get(z);
    {
      ScopedTimer t(stats_.decode_seconds);
      model_.decode(embedding, &prompt.x0, 1, logits_.data());
      stats_.decoder_runs += 1;
      stats_.masks_decoded += 1;
    }
    ScopedTimer t(stats_.postprocess_seconds);
    logits_to_mask(logits_.data(), resized_, volume_.h, volume_.w, mask_.data());
    write_label(mask_.data(), pixels_, label, segs + static_cast<int64_t>(z) * pixels_);
  }

  const LiteMedSAMModel& model_;
  const Volume3D& volume_;
  Extent resized_;
  EmbeddingCache& cache_;
  const PropagationSettings& settings_;
  SegmentStats& stats_;
  int64_t pixels_;
  std::vector<uint8_t> mid_mask_, mask_, scratch_;
  std::vector<float> logits_;
};

}  // namespace

template <typename Label>
void segment_3d(const LiteMedSAMModel& model, const Volume3D& volume, const double* boxes,
                int64_t n, const PropagationSettings& settings, Label* segs, SegmentStats& stats) {
  std::vector<SliceRange> ranges;
  std::vector<int> remaining_uses(volume.d, 0);
  for (int64_t i = 0; i < n; ++i) {
    check_box_values(boxes + 6 * i, 6, i);
    ranges.push_back(slice_range(boxes[6 * i + 2], boxes[6 * i + 5], volume.d, i));
    for (int z = ranges.back().first; z <= ranges.back().last; ++z) ++remaining_uses[z];
  }
  const int64_t pixels = static_cast<int64_t>(volume.h) * volume.w;
  std::vector<float> input(kInputElements);
  std::vector<uint8_t> scratch;
  EmbeddingCache cache(settings.max_cached_embeddings, kEmbeddingElements,
                       [&](int z, float* embedding) {
                         {
                           ScopedTimer t(stats.preprocess_seconds);
                           prepare_encoder_input(volume.data + z * pixels, volume.h, volume.w, 1,
                                                 volume.w, input.data(), scratch);
                         }
                         ScopedTimer t(stats.encode_seconds);
                         model.encode(input.data(), 1, embedding);
                       });
  const Extent resized = longest_side_extent(volume.h, volume.w, kFrame);
  BoxPropagation<Label> propagation(model, volume, resized, cache, settings, stats);
  for (int64_t i = 0; i < n; ++i) {
    propagation.run(boxes + 6 * i, ranges[i], static_cast<Label>(i + 1), segs);
    for (int z = ranges[i].first; z <= ranges[i].last; ++z) {
      if (--remaining_uses[z] == 0) cache.release(z);
    }
  }
  stats.slices_encoded += static_cast<int64_t>(cache.encoded());
  stats.peak_cached_embeddings = std::max<int64_t>(stats.peak_cached_embeddings, cache.peak_entries());
}

template void segment_2d<uint8_t>(const LiteMedSAMModel&, const Image2D&, const double*, int64_t,
                                  uint8_t*, SegmentStats&);
template void segment_2d<uint16_t>(const LiteMedSAMModel&, const Image2D&, const double*, int64_t,
                                   uint16_t*, SegmentStats&);
template void segment_3d<uint8_t>(const LiteMedSAMModel&, const Volume3D&, const double*, int64_t,
                                  const PropagationSettings&, uint8_t*, SegmentStats&);
template void segment_3d<uint16_t>(const LiteMedSAMModel&, const Volume3D&, const double*, int64_t,
                                   const PropagationSettings&, uint16_t*, SegmentStats&);

}  // namespace medsam
