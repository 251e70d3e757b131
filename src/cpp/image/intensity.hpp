// The challenge's intensity preparation, for volumes too large to push through numpy
// temporaries: clip to [lo, hi], rescale the clipped range to 0-255, truncate to uint8.
#pragma once
#include <cstdint>

namespace medsam {

// Writes (clip(x, lo, hi) - min) / (max - min) * 255 truncated to uint8, min and max taken
// over the clipped values; with `zero_stays_zero`, voxels that were exactly 0 stay 0.
template <typename T>
void window_to_uint8(const T* in, int64_t n, double lo, double hi, bool zero_stays_zero,
                     uint8_t* out);

// numpy.percentile (linear interpolation) of the finite non-zero values, for two percentiles.
// Returns false when there is no non-zero value.
template <typename T>
bool nonzero_percentiles(const T* in, int64_t n, double p_lo, double p_hi, double& lo, double& hi);

}  // namespace medsam
