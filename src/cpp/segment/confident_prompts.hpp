// Confidence-guided prompts for a 3D walk.
//
// Propagation prompts each slice with the previous slice's mask box: tight at the ends of
// a structure, but it drifts once one slice goes wrong.  The 3D box prompts every slice
// the same way: it never drifts, but at the ends it is far larger than the object and the
// mask bleeds.  Here each slice after the middle one decodes both in one batched decoder
// call, the original box and the propagated box clipped to the original's xy footprint
// (a propagated prompt never leaves the 3D box), and keeps the mask whose predicted IoU
// (the decoder's IoU head) is highest; the next slice propagates from that mask.
//
// Three rules were chosen on the tuning cases and checked on held-out ones
// (docs/strategies.md):
// - a narrow box (shorter xy side under kSmallBoxSide in the 256 frame) takes no
//   propagated candidate, because propagation lost or tied on every such box;
// - the masks are cut at a logit of kConfidentThreshold instead of 0, because LiteMedSAM
//   under-segments these structures (DSC rose on both sets, NSD on both means);
// - a narrow box is decoded as two prompts, the box shrunk and grown by kSmallBoxJitter
//   px, and their logits averaged, then cut at kSmallBoxThreshold: one box's mask is
//   sensitive to a pixel of its edges, and the average of two nearby prompts is steadier;
// - a large box's candidate whose mask is over kAreaJumpLimit times the previous slice's
//   area is passed over: where a structure ends, the IoU head can rate the box's mask
//   (the box filled, far larger than the object) above the propagated box's, and every
//   later slice would propagate from that bleed.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "image/masks.hpp"
#include "models/litemedsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

constexpr double kSmallBoxSide = 32.0;
constexpr float kConfidentThreshold = -1.0f;
constexpr float kSmallBoxJitter = 2.0f;
constexpr float kSmallBoxThreshold = -2.0f;
constexpr double kAreaJumpLimit = 1.5;
// The value the walk draws a mask with before resizing it to the 256 frame.  The
// reference draws the label, and the resize rounds: a frame pixel a fifth covered by box
// 5's mask is kept (1.0) and one a fifth covered by box 1's is dropped (0.2), so a box's
// prompt would depend on its place in the file.  Every confidence-guided walk draws 1,
// as a file's only box does in the reference.
constexpr uint8_t kConfidentDrawnValue = 1;

// Whether a box [x0, y0, x1, y1] (pixels, inclusive) of an (h, w) image is narrow: its
// shorter side, scaled to the 256 frame, is under kSmallBoxSide.
bool is_small_box(double x0, double y0, double x1, double y1, int h, int w);

// The logit a confidence-guided walk cuts its masks at.
inline float confident_threshold(bool small_box) {
  return small_box ? kSmallBoxThreshold : kConfidentThreshold;
}

// `box` clipped to `footprint`; nullopt when they do not overlap.
std::optional<Box> clip_to_footprint(Box box, Box footprint);

// The prompts a large box's slice decodes: the original box first, then the propagated
// box clipped to the original's footprint when there is one (and it differs from the
// original).
std::vector<Box> candidate_prompts(Box original, std::optional<Box> propagated);

// The prompts a small box decodes: the box shrunk by kSmallBoxJitter on every side (left
// out when that leaves no width or height) and grown by it, both clipped to the frame.
std::vector<Box> small_box_prompts(Box original);

// Decodes `prompts` on one embedding in one call and leaves the mean of their logits in
// the first (256, 256) of `logits`.
void decode_mean(const LiteMedSAMModel& model, const float* embedding,
                 const std::vector<Box>& prompts, std::vector<float>& logits, SegmentStats& stats);

// Decodes `prompts` on one embedding in one call into `logits` (n, 256, 256) and their
// predicted IoU into `iou` (n).
void decode_with_iou(const LiteMedSAMModel& model, const float* embedding,
                     const std::vector<Box>& prompts, std::vector<float>& logits,
                     std::vector<float>& iou, SegmentStats& stats);

// A mask's area in the 256 frame: the logits (256, 256) inside `resized` above `threshold`.
int64_t frame_area(const float* logits, Extent resized, float threshold);

// The candidate a large box's slice keeps: the highest predicted IoU (the first on a tie)
// among those whose area is at most kAreaJumpLimit times `previous_area`, or the
// smallest (the first on a tie) when every candidate is over it.  With no previous area
// (0: the middle slice, or an empty mask) every candidate may be kept.
int pick_candidate(const std::vector<float>& iou, const std::vector<int64_t>& areas,
                   int64_t previous_area);

}  // namespace medsam
