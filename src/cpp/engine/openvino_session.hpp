// One ONNX model compiled by OpenVINO's CPU plugin, created once and reused.
#pragma once
#include <mutex>
#include <string>
#include <vector>

#include "engine/inference_session.hpp"
#include "engine/openvino_runtime.hpp"

namespace medsam {

class OpenVinoSession : public InferenceSession {
 public:
  OpenVinoSession(const std::string& model_path, const EngineSettings& settings);

  void run(const std::vector<TensorView>& inputs,
           const std::vector<TensorView>& outputs) const override;
  const std::vector<std::string>& input_names() const override { return input_names_; }
  const std::vector<std::string>& output_names() const override { return output_names_; }

 private:
  std::string path_;
  OpenVinoOwned<ov_c::ov_compiled_model_t> compiled_;
  OpenVinoOwned<ov_c::ov_infer_request_t> request_;
  // An infer request holds its tensors between set and infer, so callers on several
  // threads take turns; ONNX Runtime's Run needs no such lock.
  mutable std::mutex request_mutex_;
  std::vector<std::string> input_names_, output_names_;
};

}  // namespace medsam
