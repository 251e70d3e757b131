// Small pieces shared by the segmentation strategies.
#pragma once
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace medsam {

// Adds the wall time of its scope to a counter.
class ScopedTimer {
 public:
  explicit ScopedTimer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double& total_;
  std::chrono::steady_clock::time_point start_;
};

// Decoder calls hold at most this many boxes. Larger batches gain nothing per box (each
// box's intermediates are ~4 MiB a tensor and leave the caches), and at 64 OpenVINO ran
// 113 boxes 2x slower in a process where ONNX Runtime had decoded the same batch.
constexpr int64_t kDecodeBatch = 8;

inline void check_box_values(const double* box, int count, int64_t index) {
  for (int k = 0; k < count; ++k) {
    if (!std::isfinite(box[k])) {
      throw std::invalid_argument("box " + std::to_string(index) + " has a non-finite coordinate");
    }
  }
}

// A box's slices along one axis, clipped to the volume, and its middle slice.
struct SliceRange {
  int first, last, mid;
};

inline SliceRange slice_range(double lo, double hi, int size, int64_t index) {
  if (hi < lo) throw std::invalid_argument("box " + std::to_string(index) + " is inverted");
  const int first = static_cast<int>(std::max(0.0, lo));
  const int last = static_cast<int>(std::min<double>(size - 1, hi));
  if (first > last) {
    throw std::invalid_argument("box " + std::to_string(index) + " lies outside the volume's " +
                                std::to_string(size) + " slices");
  }
  return {first, last, first + (last - first) / 2};
}

}  // namespace medsam
