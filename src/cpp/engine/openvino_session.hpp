// One ONNX model (or OpenVINO IR) compiled by OpenVINO's CPU plugin, created once and
// reused.  Each concurrent caller gets an infer request of its own (and, when the settings
// allow several callers, a stream of its own), so calls from two threads run at once.
// With EngineSettings::batch_of_one_input the model is compiled a second time with that
// input's batch fixed at 1, and batch-1 calls run there.
#pragma once
#include <memory>
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
  // A compiled model and its idle infer requests: a request holds its tensors between
  // set and infer, so it serves one caller at a time.
  struct Compiled {
    OpenVinoOwned<ov_c::ov_compiled_model_t> model;
    mutable std::mutex idle_mutex;
    mutable std::vector<Request> idle;
  };
  // An idle request, or a new one when every request is busy.
  Request acquire(const Compiled& compiled) const;
  void release(const Compiled& compiled, Request request) const;
  // The batch-1 model when there is one and this call is of batch 1.
  const Compiled& compiled_for(const std::vector<TensorView>& inputs) const;

  std::string path_;
  Compiled dynamic_;
  std::unique_ptr<Compiled> batch_of_one_;
  size_t batch_of_one_index_ = 0;  // which input's batch decides
  std::vector<std::string> input_names_, output_names_;
};

}  // namespace medsam
