// Resampling of float planes exactly as torch's F.interpolate does it (align_corners
// False, no antialias), for model families whose reference pipelines resize in torch.
#pragma once
#include <cstdint>

namespace medsam {

// `src` (sh, sw) -> `dst` (dh, dw), mode "bilinear": source coordinate
// (d + 0.5) * s / d_size - 0.5 clamped at 0, neighbours clamped at the far edge.
void torch_bilinear(const float* src, int sh, int sw, float* dst, int dh, int dw);

// Mode "bicubic": Keys' cubic convolution with A = -0.75 over 4x4 neighbours, source
// coordinate unclamped, neighbour indices clamped to the image.
void torch_bicubic(const float* src, int sh, int sw, float* dst, int dh, int dw);

}  // namespace medsam
