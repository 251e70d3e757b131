#include "image/intensity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace medsam {

template <typename T>
void window_to_uint8(const T* in, int64_t n, double lo, double hi, bool zero_stays_zero,
                     uint8_t* out) {
  double cmin = std::numeric_limits<double>::infinity(), cmax = -cmin;
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::clamp(static_cast<double>(in[i]), lo, hi);
    cmin = std::min(cmin, v);
    cmax = std::max(cmax, v);
  }
  const double range = cmax - cmin;
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::clamp(static_cast<double>(in[i]), lo, hi);
    // NaN (left out of the range above) becomes 0: casting it to uint8 is undefined.
    if (std::isnan(v)) {
      out[i] = 0;
      continue;
    }
    // A constant volume divides 0 by 0 in the reference (NaN, which uint8 makes 0).
    double scaled = range > 0 ? (v - cmin) / range * 255.0 : 0.0;
    if (zero_stays_zero && in[i] == T(0)) scaled = 0.0;
    out[i] = static_cast<uint8_t>(std::clamp(scaled, 0.0, 255.0));  // truncation, as np.uint8
  }
}

namespace {

double order_statistic(std::vector<double>& v, size_t k) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

double percentile(std::vector<double>& v, double p) {
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(rank));
  const double a = order_statistic(v, below);
  if (below + 1 >= v.size()) return a;
  // The next order statistic is the smallest value above position `below`.
  const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(below) + 1, v.end());
  // numpy's lerp: from the nearer end, so t = 1 gives b exactly.
  const double t = rank - static_cast<double>(below);
  return t >= 0.5 ? b - (b - a) * (1.0 - t) : a + (b - a) * t;
}

}  // namespace

template <typename T>
bool nonzero_percentiles(const T* in, int64_t n, double p_lo, double p_hi, double& lo, double& hi) {
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    // Finite values only: NaN has no rank, and an infinity makes numpy's lerp NaN.
    if (in[i] != T(0) && std::isfinite(static_cast<double>(in[i])))
      values.push_back(static_cast<double>(in[i]));
  }
  if (values.empty()) return false;
  lo = percentile(values, p_lo);
  hi = percentile(values, p_hi);
  return true;
}

#define MEDSAM_INTENSITY(T)                                                            \
  template void window_to_uint8<T>(const T*, int64_t, double, double, bool, uint8_t*); \
  template bool nonzero_percentiles<T>(const T*, int64_t, double, double, double&, double&);
MEDSAM_INTENSITY(uint8_t)
MEDSAM_INTENSITY(int16_t)
MEDSAM_INTENSITY(uint16_t)
MEDSAM_INTENSITY(int32_t)
MEDSAM_INTENSITY(float)
MEDSAM_INTENSITY(double)
#undef MEDSAM_INTENSITY

}  // namespace medsam
