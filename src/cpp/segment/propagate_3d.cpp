#include "segment/propagate_3d.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "image/masks.hpp"
#include "image/preprocess.hpp"
#include "segment/batch_decode.hpp"
#include "segment/box_walk.hpp"
#include "segment/boxes.hpp"
#include "segment/confident_prompts.hpp"
#include "segment/embedding_cache.hpp"
#include "segment/neighbour_smoothing.hpp"
#include "segment/scoped_timer.hpp"
#include "segment/walk_schedule.hpp"

namespace medsam {

namespace {

std::vector<int> slices_of(const std::vector<WalkStep>& steps) {
  std::vector<int> slices;
  for (const WalkStep& step : steps) slices.push_back(step.slice);
  return slices;
}

// Each box's slices (checked against the volume), and how many boxes use each slice, so
// a slice's embedding is freed once its last box has decoded it.
struct SlicePlan {
  std::vector<SliceRange> ranges;
  std::vector<int> remaining_uses;
};

SlicePlan plan_slices(const Volume3D& volume, const double* boxes, int64_t n) {
  SlicePlan plan{{}, std::vector<int>(volume.d, 0)};
  for (int64_t i = 0; i < n; ++i) {
    check_box_values(boxes + 6 * i, 6, i);
    plan.ranges.push_back(slice_range(boxes[6 * i + 2], boxes[6 * i + 5], volume.d, i));
    for (int z = plan.ranges.back().first; z <= plan.ranges.back().last; ++z) {
      ++plan.remaining_uses[z];
    }
  }
  return plan;
}

// Encodes slices for the embedding cache: worker 0 is the caller's thread, 1 the
// encode-ahead helper's, each with its own buffers and timings.
class SliceEncoder {
 public:
  SliceEncoder(const LiteMedSAMModel& model, const Volume3D& volume)
      : model_(model), volume_(volume) {}

  void operator()(int z, float* embedding, int w) {
    Worker& worker = workers_[w];
    const int64_t pixels = static_cast<int64_t>(volume_.h) * volume_.w;
    {
      ScopedTimer t(worker.preprocess_seconds);
      prepare_encoder_input(volume_.data + z * pixels, volume_.h, volume_.w, 1, volume_.w,
                            worker.input.data(), worker.scratch);
    }
    ScopedTimer t(worker.encode_seconds);
    model_.encode(worker.input.data(), 1, embedding);
  }

  // With a helper these are summed over both threads and can exceed the wall time.
  void add_times(SegmentStats& stats) const {
    for (const Worker& w : workers_) {
      stats.preprocess_seconds += w.preprocess_seconds;
      stats.encode_seconds += w.encode_seconds;
    }
  }

 private:
  struct Worker {
    std::vector<float> input = std::vector<float>(kInputElements);
    std::vector<uint8_t> scratch;
    double preprocess_seconds = 0, encode_seconds = 0;
  };
  const LiteMedSAMModel& model_;
  const Volume3D& volume_;
  Worker workers_[2];
};

std::vector<BoxWalk> start_walks(const Volume3D& volume, const double* boxes,
                                 const std::vector<SliceRange>& ranges, bool confident) {
  const int64_t pixels = static_cast<int64_t>(volume.h) * volume.w;
  std::vector<BoxWalk> walks;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const double* b = boxes + 6 * i;
    const uint8_t drawn_value =
        confident ? kConfidentDrawnValue : static_cast<uint8_t>(std::min<int64_t>(i + 1, 255));
    walks.emplace_back(ranges[i], box_to_frame(b[0], b[1], b[3], b[4], volume.h, volume.w),
                       is_small_box(b[0], b[1], b[3], b[4], volume.h, volume.w), drawn_value,
                       pixels);
  }
  return walks;
}

// The walk's slice decoded with its propagation prompt; returns its logits.
const float* decode_propagated(const LiteMedSAMModel& model, const Volume3D& volume, Extent resized,
                               int margin, const BoxWalk& walk, const float* embedding,
                               std::vector<float>& logits, std::vector<uint8_t>& scratch,
                               SegmentStats& stats) {
  Box prompt;
  {
    ScopedTimer t(stats.postprocess_seconds);
    prompt = walk.prompt(volume, resized, margin, scratch);
  }
  decode_counted(model, embedding, &prompt, 1, logits.data(), stats);
  return logits.data();
}

// The walk's slice decoded with each candidate prompt, returning the logits of the one it
// keeps (pick_candidate) and keeping that mask's area for the next slice; a small box's
// with its two jittered prompts, returning their mean.
const float* decode_confident(const LiteMedSAMModel& model, const Volume3D& volume, Extent resized,
                              int margin, BoxWalk& walk, const float* embedding,
                              std::vector<float>& logits, std::vector<uint8_t>& scratch,
                              SegmentStats& stats) {
  if (walk.small()) {
    decode_mean(model, embedding, small_box_prompts(walk.original()), logits, stats);
    return logits.data();
  }
  std::vector<Box> prompts;
  {
    ScopedTimer t(stats.postprocess_seconds);
    prompts = candidate_prompts(walk.original(), walk.propagated(volume, resized, margin, scratch));
  }
  std::vector<float> iou;
  decode_with_iou(model, embedding, prompts, logits, iou, stats);
  ScopedTimer t(stats.postprocess_seconds);
  std::vector<int64_t> areas;
  for (size_t k = 0; k < prompts.size(); ++k) {
    areas.push_back(frame_area(logits.data() + k * kLogitElements, resized, kConfidentThreshold));
  }
  const int kept = pick_candidate(iou, areas, walk.previous_area());
  walk.keep_area(areas[kept]);
  return logits.data() + kept * kLogitElements;
}

// What a pass decodes with: `beside_helper` (half the threads) while the helper encodes,
// `alone` (all of them) while it is idle.  A decode on 2 threads takes about 1.8x less
// time than on 1, with the same bits.
struct PassModels {
  const LiteMedSAMModel& beside_helper;
  const LiteMedSAMModel& alone;
};

// Takes the steps in order: decodes each step's prompt, writes its mask (a confidence-
// guided walk's once its neighbours are decoded), and frees slices no box needs any more.
template <typename Label>
void walk_boxes(PassModels models, const Volume3D& volume, int margin,
                const std::vector<WalkStep>& steps, std::vector<BoxWalk>& walks,
                std::vector<int>& remaining_uses, EmbeddingCache& cache, bool confident,
                Label* segs, SegmentStats& stats) {
  const Extent resized = longest_side_extent(volume.h, volume.w, kFrame);
  const int64_t pixels = static_cast<int64_t>(volume.h) * volume.w;
  std::vector<float> logits(kLogitElements);
  std::vector<uint8_t> scratch;
  // A confidence-guided walk writes its masks from logits smoothed along z.
  std::vector<NeighbourSmoother> smoothers;
  std::vector<float> smoothed(confident ? kLogitElements : 0);
  std::vector<uint8_t> written(confident ? pixels : 0);
  if (confident) {
    for (const BoxWalk& walk : walks) smoothers.emplace_back(walk.range());
  }
  for (const WalkStep& step : steps) {
    const int64_t i = step.walk;
    BoxWalk& walk = walks[i];
    const int z = step.slice;
    if (walk.slice() != z) throw std::logic_error("a walk was scheduled out of its order");
    const float* embedding = cache.get(z);
    // Chosen after get(), which may have waited for the helper to finish this slice.
    const LiteMedSAMModel& model = cache.helper_idle() ? models.alone : models.beside_helper;
    if (&model != &models.alone) ++stats.decoder_runs_beside_helper;  // one run per step
    const float* chosen = confident ? decode_confident(model, volume, resized, margin, walk,
                                                       embedding, logits, scratch, stats)
                                    : decode_propagated(model, volume, resized, margin, walk,
                                                        embedding, logits, scratch, stats);
    {
      ScopedTimer t(stats.postprocess_seconds);
      const float threshold = confident ? confident_threshold(walk.small()) : 0.f;
      const MaskRegion whole = MaskRegion::whole(volume.h, volume.w);
      // The next slice's prompt comes from this unsmoothed mask; a confidence-guided
      // small box never propagates, so it needs none.
      if (!confident || !walk.small()) {
        logits_to_mask(chosen, resized, volume.h, volume.w, walk.mask(), whole, threshold);
      }
      // Boxes are stepped out of order, so "a later box wins" is kept by keeping the
      // larger label: labels grow with the box index.
      const Label label = static_cast<Label>(i + 1);
      if (!confident) {
        write_label_max(walk.mask(), pixels, label, segs + static_cast<int64_t>(z) * pixels);
      } else {
        for (int ready : smoothers[i].add(z, chosen)) {
          smoothers[i].smooth(ready, smoothed.data());
          logits_to_mask(smoothed.data(), resized, volume.h, volume.w, written.data(), whole,
                         threshold);
          write_label_max(written.data(), pixels, label,
                          segs + static_cast<int64_t>(ready) * pixels);
        }
      }
    }
    if (--remaining_uses[z] == 0) cache.release(z);
    walk.advance();
  }
}

}  // namespace

template <typename Label>
void segment_3d(const LiteMedSAMModel& model, const Volume3D& volume, const double* boxes,
                int64_t n, const PropagationSettings& settings, Label* segs, SegmentStats& stats) {
  SlicePlan plan = plan_slices(volume, boxes, n);
  // Encode ahead on a helper thread when the model can run two calls at once; the
  // sessions are the same network, so the results are the same bit for bit.
  // Working ahead needs room for the slice being encoded, one ready and one in use.
  const LiteMedSAMModel* half =
      settings.max_cached_embeddings >= 3 ? model.half_threaded() : nullptr;
  const LiteMedSAMModel& runner = half ? *half : model;
  SliceEncoder encoder(runner, volume);  // outlives the cache, whose helper calls it
  EmbeddingCache cache(settings.max_cached_embeddings, kEmbeddingElements,
                       [&encoder](int z, float* embedding, int w) { encoder(z, embedding, w); });
  std::vector<BoxWalk> walks = start_walks(volume, boxes, plan.ranges, settings.confident);
  const std::vector<WalkStep> steps = sweep_schedule(plan.ranges);
  cache.plan(slices_of(steps));
  if (half != nullptr) cache.encode_ahead();
  if (settings.confident && !model.has_iou()) {
    throw std::invalid_argument(
        "the confidence-guided strategy needs the decoder's iou_predictions output; convert "
        "the checkpoint again with `medsam-fast convert`");
  }
  walk_boxes(PassModels{runner, model}, volume, settings.margin, steps, walks, plan.remaining_uses,
             cache, settings.confident, segs, stats);
  stats.slices_encoded += static_cast<int64_t>(cache.encoded());
  stats.peak_cached_embeddings =
      std::max<int64_t>(stats.peak_cached_embeddings, cache.peak_entries());
  encoder.add_times(stats);
}

template void segment_3d<uint8_t>(const LiteMedSAMModel&, const Volume3D&, const double*, int64_t,
                                  const PropagationSettings&, uint8_t*, SegmentStats&);
template void segment_3d<uint16_t>(const LiteMedSAMModel&, const Volume3D&, const double*, int64_t,
                                   const PropagationSettings&, uint16_t*, SegmentStats&);

}  // namespace medsam
