// Exception types the Python bindings map to specific Python exceptions.
#pragma once
#include <stdexcept>
#include <string>

namespace medsam {

// Raised when ONNX Runtime reports an error; carries ORT's own message.
class OrtError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised when OpenVINO reports an error; carries OpenVINO's own message.
class OpenVinoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Raised when the runtime library cannot be loaded or is too old.
class RuntimeLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace medsam
