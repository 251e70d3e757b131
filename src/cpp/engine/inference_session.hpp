// What every inference engine offers the pipeline: one loaded network, created once and
// run many times on float32 tensors we own.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor_view.hpp"

namespace medsam {

enum class Engine { OnnxRuntime, OpenVino };
enum class Precision { Fp32, Bf16, Int8 };

struct EngineSettings {
  Engine engine = Engine::OnnxRuntime;
  int threads = 0;  // intra-op threads; 0 lets the engine use one per physical core
  // Bf16 runs the matrix products in bfloat16 where the CPU has native bf16 (OpenVINO
  // only: ONNX Runtime's CPU provider has no bf16 kernels for these graphs).  Int8 is for
  // a network NNCF quantized (its int8 operations are in the graph itself); everything
  // else in it runs in f32.
  Precision precision = Precision::Fp32;
  // How many callers may run the session at the same time.  ONNX Runtime's Run takes
  // them as they come; OpenVINO compiles one stream (of `threads` threads) per caller.
  int concurrent_calls = 1;
  // An input whose leading (batch) axis is dynamic but whose calls are mostly of batch 1,
  // and its shape at batch 1 (the decoder's boxes, {1, 4}).  OpenVINO then also compiles
  // the network with that input fixed to this shape and runs batch-1 calls there: static
  // shapes get it faster kernels.  ONNX Runtime ignores it.
  std::string batch_of_one_input;
  std::vector<int64_t> batch_of_one_shape;
};

class InferenceSession {
 public:
  virtual ~InferenceSession() = default;
  // Runs the network; `outputs` must already have the shapes it will produce.
  virtual void run(const std::vector<TensorView>& inputs,
                   const std::vector<TensorView>& outputs) const = 0;
  virtual const std::vector<std::string>& input_names() const = 0;
  virtual const std::vector<std::string>& output_names() const = 0;
};

// Loads `model_path` (ONNX, or OpenVINO IR for OpenVINO) into the engine the settings name; that
// engine's runtime library must have been loaded first.
std::unique_ptr<InferenceSession> open_session(const std::string& model_path,
                                               const EngineSettings& settings);

// Throws std::invalid_argument naming `path` unless the session's inputs and outputs are
// exactly these names (in order); `hint` says how to get a model that has them.
void expect_signature(const InferenceSession& session, const std::string& path,
                      const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, const std::string& hint);

Engine parse_engine(const std::string& name);
Precision parse_precision(const std::string& name);

}  // namespace medsam
