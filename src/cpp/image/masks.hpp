// Boxes and masks between the original image and the model's 256 frame.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "image/resize.hpp"

namespace medsam {

// Four contiguous floats, so a Box (or an array of them) is a decoder's boxes input.
struct Box {
  float x0, y0, x1, y1;
};
static_assert(sizeof(Box) == 4 * sizeof(float), "Box must be four packed floats");

// An image box in pixels to the 256 frame: int(v * 256 / max(h, w)) as the reference
// does (truncation, which is floor for the non-negative coordinates of a valid box).
Box box_to_frame(double x0, double y0, double x1, double y1, int h, int w);

// The rectangle of an (h, w) mask outside which it is all zero: rows [y0, y1), columns
// [x0, x1).  Lets a many-box 2D image touch each mask's neighbourhood, not the image.
struct MaskRegion {
  int y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  static MaskRegion whole(int h, int w) { return {0, h, 0, w}; }
  bool empty() const { return y0 >= y1 || x0 >= x1; }
};

// Thresholds the upsampled logits of one mask at `threshold` (0: the model's own
// sigmoid 0.5): crop the (256,256) logits to the resized extent, bilinear to (h, w).
// Writes 0/1 to `mask` (h*w), which may hold non-zero values only inside `stale` on entry
// (a previous call's result), and returns the region that can now be non-zero.
MaskRegion logits_to_mask(const float* logits256, Extent resized, int h, int w, uint8_t* mask,
                          MaskRegion stale, float threshold = 0.f);

// Bounding box (inclusive) of the non-zero pixels; nullopt when there are none.
struct PixelBox {
  int x0, y0, x1, y1;
};
std::optional<PixelBox> nonzero_box(const uint8_t* mask, int h, int w);

// The next slice's prompt from this slice's mask, as the reference derives it: the mask
// drawn with value `label_value` (the reference resizes its label image, so the value
// changes which thin structures survive), area-resized to the 256 frame, its bounding
// box grown by `margin` and clipped to [0, 256].  nullopt when nothing survives.
std::optional<Box> propagation_box(const uint8_t* mask, int h, int w, Extent resized,
                                   uint8_t label_value, int margin, std::vector<uint8_t>& scratch);

// Sets `label` where the (h, w) mask is set; only `region` is read.
template <typename Label>
void write_label(const uint8_t* mask, int w, MaskRegion region, Label label, Label* out) {
  for (int y = region.y0; y < region.y1; ++y) {
    const int64_t row = static_cast<int64_t>(y) * w;
    for (int x = region.x0; x < region.x1; ++x) {
      if (mask[row + x]) out[row + x] = label;
    }
  }
}

// Sets `label` where the mask is set and the label already there is smaller.
template <typename Label>
void write_label_max(const uint8_t* mask, int64_t n, Label label, Label* out) {
  for (int64_t i = 0; i < n; ++i) {
    if (mask[i] && out[i] < label) out[i] = label;
  }
}

}  // namespace medsam
