// Exact squared Euclidean distance transform with anisotropic spacing
// (Felzenszwalb & Huttenlocher's lower envelope of parabolas, one axis at a time).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace medsam {

// `dist` holds 0 at feature points and +inf elsewhere, over a (n0, n1, n2) C-order grid;
// on return it holds the squared distance (in spacing units) to the nearest feature.
void squared_edt_3d(std::vector<double>& dist, const std::array<int64_t, 3>& shape,
                    const std::array<double, 3>& spacing);

}  // namespace medsam
