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
// Two rules were chosen on the tuning cases and checked on held-out ones
// (docs/strategies.md): a narrow box (shorter xy side under kSmallBoxSide in the 256
// frame) takes the box on every slice, because propagation lost or tied on every such
// box; and the masks are cut at a logit of kConfidentThreshold instead of 0, because
// LiteMedSAM under-segments these structures (DSC rose on both sets, NSD on both means).
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
// The value the walk draws a mask with before resizing it to the 256 frame.  The
// reference draws the label, and the resize rounds: a frame pixel a fifth covered by box
// 5's mask is kept (1.0) and one a fifth covered by box 1's is dropped (0.2), so a box's
// prompt would depend on its place in the file.  Every confidence-guided walk draws 1,
// as a file's only box does in the reference.
constexpr uint8_t kConfidentDrawnValue = 1;

// Whether a box [x0, y0, x1, y1] (pixels, inclusive) of an (h, w) image is narrow: its
// shorter side, scaled to the 256 frame, is under kSmallBoxSide.
bool is_small_box(double x0, double y0, double x1, double y1, int h, int w);

// `box` clipped to `footprint`; nullopt when they do not overlap.
std::optional<Box> clip_to_footprint(Box box, Box footprint);

// The prompts a slice decodes: the original box first, then the propagated box clipped
// to the original's footprint when there is one (and it differs from the original).  A
// small box's walk passes no propagated box.
std::vector<Box> candidate_prompts(Box original, std::optional<Box> propagated);

// Decodes `prompts` on one embedding in one call into `logits` (n, 256, 256) and returns
// the index of the highest predicted IoU (the first on a tie).
int decode_most_confident(const LiteMedSAMModel& model, const float* embedding,
                          const std::vector<Box>& prompts, std::vector<float>& logits,
                          SegmentStats& stats);

}  // namespace medsam
