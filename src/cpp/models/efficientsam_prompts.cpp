#include "models/efficientsam_prompts.hpp"

namespace medsam {

int point_prompts(const double* boxes, int64_t n, int h, int w, int size, bool center_point,
                  std::vector<float>& coords, std::vector<float>& labels) {
  const int p = center_point ? 3 : 2;
  const double sx = static_cast<double>(size) / w, sy = static_cast<double>(size) / h;
  coords.assign(n * p * 2, 0.0f);
  labels.assign(n * p, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const double* b = boxes + 4 * i;
    const double xs[3] = {b[0], b[2], (b[0] + b[2]) / 2};
    const double ys[3] = {b[1], b[3], (b[1] + b[3]) / 2};
    const float point_labels[3] = {2.0f, 3.0f, 1.0f};  // top-left, bottom-right, inside
    for (int k = 0; k < p; ++k) {
      coords[(i * p + k) * 2] = static_cast<float>(xs[k] * sx);
      coords[(i * p + k) * 2 + 1] = static_cast<float>(ys[k] * sy);
      labels[i * p + k] = point_labels[k];
    }
  }
  return p;
}

}  // namespace medsam
