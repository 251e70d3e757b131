// torch's linear interpolation taps (F.interpolate, align_corners=False), defined once for
// every bilinear resize in the core: the mask logits, their reachable region, and the
// float planes of torch_resample.
#pragma once

namespace medsam {

// The source coordinate of output index `d` when `scale` = in_size / out_size.  Computed
// in float, as torch does for float tensors: double arithmetic would move the weights by
// ~1e-5 on large outputs.
inline float torch_source_coordinate(float scale, int d) {
  return scale * (static_cast<float>(d) + 0.5f) - 0.5f;
}

// The two source indices output index `out_index` reads along one axis, and their weights:
// negative source coordinates clamp to 0, the second index to the far edge.
struct LinearTap {
  int i0, i1;
  float l0, l1;
};

inline LinearTap linear_tap(int out_index, int in_size, float scale) {
  float src = torch_source_coordinate(scale, out_index);
  if (src < 0.f) src = 0.f;
  int i0 = static_cast<int>(src);
  if (i0 > in_size - 1) i0 = in_size - 1;
  int i1 = i0 + (i0 < in_size - 1 ? 1 : 0);
  float l1 = src - static_cast<float>(i0);
  return {i0, i1, 1.f - l1, l1};
}

}  // namespace medsam
