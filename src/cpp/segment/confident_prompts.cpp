#include "segment/confident_prompts.hpp"

#include <algorithm>

#include "segment/scoped_timer.hpp"

namespace medsam {

std::optional<Box> clip_to_footprint(Box box, Box footprint) {
  const Box clipped{std::max(box.x0, footprint.x0), std::max(box.y0, footprint.y0),
                    std::min(box.x1, footprint.x1), std::min(box.y1, footprint.y1)};
  if (clipped.x1 < clipped.x0 || clipped.y1 < clipped.y0) return std::nullopt;
  return clipped;
}

std::vector<Box> candidate_prompts(Box original, std::optional<Box> propagated) {
  std::vector<Box> prompts{original};
  if (!propagated) return prompts;
  const std::optional<Box> inside = clip_to_footprint(*propagated, original);
  if (inside && (inside->x0 != original.x0 || inside->y0 != original.y0 ||
                 inside->x1 != original.x1 || inside->y1 != original.y1)) {
    prompts.push_back(*inside);
  }
  return prompts;
}

int decode_most_confident(const LiteMedSAMModel& model, const float* embedding,
                          const std::vector<Box>& prompts, std::vector<float>& logits,
                          SegmentStats& stats) {
  const int64_t n = static_cast<int64_t>(prompts.size());
  logits.resize(n * kLogitElements);
  std::vector<float> iou(n);
  {
    ScopedTimer t(stats.decode_seconds);
    model.decode(embedding, &prompts[0].x0, n, logits.data(), iou.data());
    stats.decoder_runs += 1;
    stats.masks_decoded += n;
  }
  return static_cast<int>(std::max_element(iou.begin(), iou.end()) - iou.begin());
}

}  // namespace medsam
