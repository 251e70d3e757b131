// One ONNX model loaded into an ORT session, created once and reused for every run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ort_runtime.hpp"

namespace medsam {

// A float32 tensor that lives in memory we own (a numpy buffer or a std::vector):
// ORT reads inputs from and writes outputs into it directly, so nothing is copied.
struct TensorView {
  float* data;
  std::vector<int64_t> shape;
  size_t elements() const;
};

struct SessionSettings {
  int threads = 0;  // intra-op threads; 0 lets ORT use one per physical core
};

class OnnxSession {
 public:
  OnnxSession(const std::string& model_path, const SessionSettings& settings);

  // Runs the model; `outputs` must already have the shapes the model will produce.
  void run(const std::vector<TensorView>& inputs, const std::vector<TensorView>& outputs) const;

  const std::vector<std::string>& input_names() const { return input_names_; }
  const std::vector<std::string>& output_names() const { return output_names_; }
  // Declared shape of input/output i (-1 for a dynamic axis).
  std::vector<int64_t> input_shape(size_t i) const;
  std::vector<int64_t> output_shape(size_t i) const;

 private:
  std::string path_;
  OrtOwned<OrtSession> session_;
  OrtOwned<OrtMemoryInfo> cpu_memory_;
  std::vector<std::string> input_names_, output_names_;
  std::vector<std::vector<int64_t>> input_shapes_, output_shapes_;
};

}  // namespace medsam
