// A float32 tensor in memory we own, handed to an inference engine without copying.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace medsam {

// The engine reads inputs from and writes outputs into `data` directly (a numpy buffer
// or a std::vector), so no tensor crosses an API boundary by copy.
struct TensorView {
  float* data;
  std::vector<int64_t> shape;
  size_t elements() const {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    return n;
  }
};

}  // namespace medsam
