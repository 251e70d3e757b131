// How the EfficientSAM family takes a box: as labelled points in the encoder's S x S
// frame, its top-left corner (label 2), its bottom-right corner (label 3) and, optionally,
// its centre as a foreground point (label 1).
#pragma once
#include <cstdint>
#include <vector>

namespace medsam {

// The n boxes (rows of [x0, y0, x1, y1] in an (h, w) image) as decoder prompts: fills
// `coords` (n, p, 2) with the points scaled to the S = `size` frame and `labels` (n, p),
// and returns p, the points per box (3 with the centre point, else 2).
int point_prompts(const double* boxes, int64_t n, int h, int w, int size, bool center_point,
                  std::vector<float>& coords, std::vector<float>& labels);

}  // namespace medsam
