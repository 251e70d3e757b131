#include "engine/inference_session.hpp"

#include <stdexcept>

#include "engine/onnx_session.hpp"
#include "engine/openvino_session.hpp"

namespace medsam {

std::unique_ptr<InferenceSession> open_session(const std::string& model_path,
                                               const EngineSettings& settings) {
  if (settings.engine == Engine::OpenVino) {
    return std::make_unique<OpenVinoSession>(model_path, settings);
  }
  if (settings.precision != Precision::Fp32) {
    throw std::invalid_argument(
        "precisions bf16 and int8 need engine 'openvino'; ONNX Runtime "
        "runs fp32");
  }
  return std::make_unique<OnnxSession>(model_path, settings);
}

void expect_signature(const InferenceSession& session, const std::string& path,
                      const std::vector<std::string>& inputs,
                      const std::vector<std::string>& outputs, const std::string& hint) {
  if (session.input_names() == inputs && session.output_names() == outputs) return;
  auto listed = [](const std::vector<std::string>& names) {
    std::string text;
    for (const auto& n : names) text += (text.empty() ? "" : " ") + n;
    return text;
  };
  throw std::invalid_argument(path + ": unexpected model signature (" +
                              listed(session.input_names()) + " -> " +
                              listed(session.output_names()) + ", expected " + listed(inputs) +
                              " -> " + listed(outputs) + "); " + hint);
}

Engine parse_engine(const std::string& name) {
  if (name == "onnxruntime") return Engine::OnnxRuntime;
  if (name == "openvino") return Engine::OpenVino;
  throw std::invalid_argument("unknown engine '" + name + "' (use 'onnxruntime' or 'openvino')");
}

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::Fp32;
  if (name == "bf16") return Precision::Bf16;
  if (name == "int8") return Precision::Int8;
  throw std::invalid_argument("unknown precision '" + name + "' (use 'fp32', 'bf16' or 'int8')");
}

}  // namespace medsam
