// One ONNX model (or OpenVINO IR) compiled by OpenVINO's CPU plugin, created once and
// reused.  Each concurrent caller gets an infer request of its own (and, when the settings
// allow several callers, a stream of its own), so calls from two threads run at once.
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
  using Request = OpenVinoOwned<ov_c::ov_infer_request_t>;
  // An idle request, or a new one when every request is busy.
  Request acquire() const;
  void release(Request request) const;

  std::string path_;
  OpenVinoOwned<ov_c::ov_compiled_model_t> compiled_;
  // An infer request holds its tensors between set and infer, so a request serves one
  // caller at a time; idle ones wait here.
  mutable std::mutex idle_mutex_;
  mutable std::vector<Request> idle_;
  std::vector<std::string> input_names_, output_names_;
};

}  // namespace medsam
