#include "segment/confident_prompts.hpp"

#include <algorithm>

#include "image/preprocess.hpp"
#include "segment/batch_decode.hpp"
#include "segment/scoped_timer.hpp"

namespace medsam {

bool is_small_box(double x0, double y0, double x1, double y1, int h, int w) {
  const double shorter = std::min(x1 - x0 + 1, y1 - y0 + 1);
  return shorter * kFrame / std::max(h, w) < kSmallBoxSide;
}

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

std::vector<Box> small_box_prompts(Box original) {
  const auto in_frame = [](float v) { return std::clamp(v, 0.f, static_cast<float>(kFrame)); };
  const auto moved = [&](float by) {
    return Box{in_frame(original.x0 - by), in_frame(original.y0 - by), in_frame(original.x1 + by),
               in_frame(original.y1 + by)};
  };
  std::vector<Box> prompts;
  const Box shrunk = moved(-kSmallBoxJitter);
  if (shrunk.x1 > shrunk.x0 && shrunk.y1 > shrunk.y0) prompts.push_back(shrunk);
  prompts.push_back(moved(kSmallBoxJitter));
  return prompts;
}

void decode_mean(const LiteMedSAMModel& model, const float* embedding,
                 const std::vector<Box>& prompts, std::vector<float>& logits, SegmentStats& stats) {
  const int64_t n = static_cast<int64_t>(prompts.size());
  logits.resize(n * kLogitElements);
  decode_counted(model, embedding, prompts.data(), n, logits.data(), stats);
  ScopedTimer t(stats.postprocess_seconds);
  for (int64_t k = 1; k < n; ++k) {
    const float* other = logits.data() + k * kLogitElements;
    for (int64_t p = 0; p < kLogitElements; ++p) logits[p] += other[p];
  }
  const float count = static_cast<float>(n);
  for (int64_t p = 0; p < kLogitElements; ++p) logits[p] /= count;
}

void decode_with_iou(const LiteMedSAMModel& model, const float* embedding,
                     const std::vector<Box>& prompts, std::vector<float>& logits,
                     std::vector<float>& iou, SegmentStats& stats) {
  const int64_t n = static_cast<int64_t>(prompts.size());
  logits.resize(n * kLogitElements);
  iou.resize(n);
  decode_counted(model, embedding, prompts.data(), n, logits.data(), stats, iou.data());
}

int64_t frame_area(const float* logits, Extent resized, float threshold) {
  int64_t area = 0;
  for (int y = 0; y < resized.h; ++y) {
    const float* row = logits + static_cast<int64_t>(y) * kFrame;
    for (int x = 0; x < resized.w; ++x) area += row[x] > threshold;
  }
  return area;
}

int pick_candidate(const std::vector<float>& iou, const std::vector<int64_t>& areas,
                   int64_t previous_area) {
  const int n = static_cast<int>(iou.size());
  const auto allowed = [&](int k) {
    return previous_area <= 0 || static_cast<double>(areas[k]) <= kAreaJumpLimit * previous_area;
  };
  int best = -1;
  for (int k = 0; k < n; ++k) {
    if (allowed(k) && (best < 0 || iou[k] > iou[best])) best = k;
  }
  if (best >= 0) return best;
  return static_cast<int>(std::min_element(areas.begin(), areas.end()) - areas.begin());
}

}  // namespace medsam
