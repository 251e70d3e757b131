#include "metrics/edt.hpp"

#include <limits>

namespace medsam {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One line: out[p] = min_q ((p - q) * s)^2 + f[q], skipping q with f[q] = inf.
void squared_edt_line(const double* f, double* out, int64_t n, double s, std::vector<int64_t>& v,
                      std::vector<double>& z) {
  v.resize(n);
  z.resize(n + 1);
  int64_t k = -1;
  for (int64_t q = 0; q < n; ++q) {
    if (f[q] == kInf) continue;
    const double fq = f[q] + (q * s) * (q * s);
    while (k >= 0) {
      const double fv = f[v[k]] + (v[k] * s) * (v[k] * s);
      const double cross = (fq - fv) / (2.0 * s * s * (q - v[k]));
      if (cross <= z[k]) {
        --k;
      } else {
        ++k;
        v[k] = q;
        z[k] = cross;
        z[k + 1] = kInf;
        break;
      }
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -kInf;
      z[1] = kInf;
    }
  }
  if (k < 0) {
    for (int64_t p = 0; p < n; ++p) out[p] = kInf;
    return;
  }
  int64_t j = 0;
  for (int64_t p = 0; p < n; ++p) {
    while (z[j + 1] < p) ++j;
    const double d = (p - v[j]) * s;
    out[p] = d * d + f[v[j]];
  }
}

}  // namespace

void squared_edt_3d(std::vector<double>& dist, const std::array<int64_t, 3>& shape,
                    const std::array<double, 3>& spacing) {
  const int64_t strides[3] = {shape[1] * shape[2], shape[2], 1};
  std::vector<double> line_in, line_out;
  std::vector<int64_t> v;
  std::vector<double> z;
  // Axis 0 first, then 1, then 2: squared terms add up in numpy's axis order.
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t n = shape[axis], stride = strides[axis];
    line_in.resize(n);
    line_out.resize(n);
    const int a = axis == 0 ? 1 : 0, b = axis == 2 ? 1 : 2;
    for (int64_t i = 0; i < shape[a]; ++i) {
      for (int64_t j = 0; j < shape[b]; ++j) {
        const int64_t base = i * strides[a] + j * strides[b];
        for (int64_t p = 0; p < n; ++p) line_in[p] = dist[base + p * stride];
        squared_edt_line(line_in.data(), line_out.data(), n, spacing[axis], v, z);
        for (int64_t p = 0; p < n; ++p) dist[base + p * stride] = line_out[p];
      }
    }
  }
}

}  // namespace medsam
