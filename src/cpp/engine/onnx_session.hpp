// One ONNX model loaded into an ORT session, created once and reused for every run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/inference_session.hpp"
#include "engine/ort_runtime.hpp"

namespace medsam {

class OnnxSession : public InferenceSession {
 public:
  OnnxSession(const std::string& model_path, const EngineSettings& settings);

  void run(const std::vector<TensorView>& inputs,
           const std::vector<TensorView>& outputs) const override;
  const std::vector<std::string>& input_names() const override { return input_names_; }
  const std::vector<std::string>& output_names() const override { return output_names_; }

 private:
  std::string path_;
  OrtOwned<OrtSession> session_;
  OrtOwned<OrtMemoryInfo> cpu_memory_;
  std::vector<std::string> input_names_, output_names_;
  std::vector<std::vector<int64_t>> input_shapes_, output_shapes_;
};

}  // namespace medsam
