#include "engine/openvino_session.hpp"

#include <algorithm>
#include <stdexcept>

namespace medsam {
namespace {

std::vector<std::string> port_names(const ov_c::ov_compiled_model_t* compiled, bool inputs,
                                    const std::string& path) {
  const ov_c::Api& api = openvino();
  size_t count = 0;
  check_openvino(inputs ? api.compiled_model_inputs_size(compiled, &count)
                        : api.compiled_model_outputs_size(compiled, &count),
                 path + ": counting ports");
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    ov_c::ov_output_const_port_t* raw = nullptr;
    check_openvino(inputs ? api.compiled_model_input_by_index(compiled, i, &raw)
                          : api.compiled_model_output_by_index(compiled, i, &raw),
                   path + ": reading a port");
    OpenVinoOwned<ov_c::ov_output_const_port_t> port(raw);
    char* name = nullptr;
    check_openvino(api.port_get_any_name(port.get(), &name), path + ": reading a port name");
    names.emplace_back(name);
    api.free(name);
  }
  return names;
}

// A tensor header over our buffer: OpenVINO reads or writes `view.data` in place.
OpenVinoOwned<ov_c::ov_tensor_t> wrap(const TensorView& view, const std::string& what) {
  const ov_c::Api& api = openvino();
  ov_c::ov_shape_t shape{};
  check_openvino(
      api.shape_create(static_cast<int64_t>(view.shape.size()), view.shape.data(), &shape),
      what + ": shape");
  ov_c::ov_tensor_t* raw = nullptr;
  const ov_c::ov_status_e status =
      api.tensor_create_from_host_ptr(ov_c::kElementF32, shape, view.data, &raw);
  api.shape_free(&shape);
  check_openvino(status, what + ": tensor");
  return OpenVinoOwned<ov_c::ov_tensor_t>(raw);
}

// Latency-tuned, one stream per concurrent caller; the thread count, when given, is per
// stream.  Threads are not pinned: every compiled model pins its streams to cores on its
// own, so the encoder's stream and the decoder's (or two single-threaded models) land on
// the same core and take turns while the other core idles (two 1-thread encoders side by
// side ran at half speed each, pinned, and at 0.96x of one alone, unpinned).
OpenVinoOwned<ov_c::ov_compiled_model_t> compile(OpenVinoRuntime& runtime, ov_c::ov_model_t* model,
                                                 const char* precision,
                                                 const EngineSettings& settings,
                                                 const std::string& path) {
  const ov_c::Api& api = runtime.api();
  const std::string streams = std::to_string(settings.concurrent_calls);
  // INFERENCE_NUM_THREADS 0 leaves the count to OpenVINO.
  const std::string threads =
      std::to_string(std::max(0, settings.threads) * settings.concurrent_calls);
  ov_c::ov_compiled_model_t* raw = nullptr;
  const ov_c::ov_status_e status = api.core_compile_model(
      runtime.core(), model, "CPU", 10, &raw, "INFERENCE_PRECISION_HINT", precision,
      "PERFORMANCE_HINT", "LATENCY", "NUM_STREAMS", streams.c_str(), "INFERENCE_NUM_THREADS",
      threads.c_str(), "ENABLE_CPU_PINNING", "NO");
  check_openvino(status, "compiling " + path);
  return OpenVinoOwned<ov_c::ov_compiled_model_t>(raw);
}

void reshape_input(ov_c::ov_model_t* model, const std::string& input,
                   const std::vector<int64_t>& shape, const std::string& path) {
  const ov_c::Api& api = openvino();
  ov_c::ov_partial_shape_t partial{};
  check_openvino(
      api.partial_shape_create_static(static_cast<int64_t>(shape.size()), shape.data(), &partial),
      path + ": shape of " + input);
  const ov_c::ov_status_e status = api.model_reshape_input_by_name(model, input.c_str(), partial);
  api.partial_shape_free(&partial);
  check_openvino(status, path + ": fixing the shape of " + input);
}

}  // namespace

OpenVinoSession::OpenVinoSession(const std::string& model_path, const EngineSettings& settings)
    : path_(model_path) {
  OpenVinoRuntime& runtime = OpenVinoRuntime::get();
  const ov_c::Api& api = runtime.api();
  ov_c::ov_model_t* raw_model = nullptr;
  check_openvino(api.core_read_model(runtime.core(), model_path.c_str(), nullptr, &raw_model),
                 "loading " + model_path);
  OpenVinoOwned<ov_c::ov_model_t> model(raw_model);

  // The precision is always stated: on CPUs with native bf16 OpenVINO would otherwise
  // pick bf16 by itself and fp32 would stop meaning fp32.  An int8 network carries its
  // int8 operations in the graph; the rest of it runs in f32.
  const char* precision = settings.precision == Precision::Bf16 ? "bf16" : "f32";
  dynamic_.model = compile(runtime, model.get(), precision, settings, model_path);
  dynamic_.idle.push_back(acquire(dynamic_));
  input_names_ = port_names(dynamic_.model.get(), true, model_path);
  output_names_ = port_names(dynamic_.model.get(), false, model_path);

  const std::string& single = settings.batch_of_one_input;
  for (size_t i = 0; i < input_names_.size() && !single.empty(); ++i) {
    if (input_names_[i] != single) continue;
    reshape_input(model.get(), single, settings.batch_of_one_shape, model_path);
    batch_of_one_ = std::make_unique<Compiled>();
    batch_of_one_->model = compile(runtime, model.get(), precision, settings, model_path);
    batch_of_one_->idle.push_back(acquire(*batch_of_one_));
    batch_of_one_index_ = i;
  }
}

const OpenVinoSession::Compiled& OpenVinoSession::compiled_for(
    const std::vector<TensorView>& inputs) const {
  if (batch_of_one_ && inputs[batch_of_one_index_].shape.at(0) == 1) return *batch_of_one_;
  return dynamic_;
}

void OpenVinoSession::run(const std::vector<TensorView>& inputs,
                          const std::vector<TensorView>& outputs) const {
  if (inputs.size() != input_names_.size() || outputs.size() != output_names_.size()) {
    throw std::invalid_argument(path_ + ": wrong number of inputs or outputs");
  }
  const ov_c::Api& api = openvino();
  std::vector<OpenVinoOwned<ov_c::ov_tensor_t>> tensors;
  const Compiled& compiled = compiled_for(inputs);
  Request request = acquire(compiled);
  for (size_t i = 0; i < inputs.size(); ++i) {
    tensors.push_back(wrap(inputs[i], path_ + ": " + input_names_[i]));
    check_openvino(
        api.infer_request_set_input_tensor_by_index(request.get(), i, tensors.back().get()),
        path_ + ": input " + input_names_[i]);
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    tensors.push_back(wrap(outputs[i], path_ + ": " + output_names_[i]));
    check_openvino(
        api.infer_request_set_output_tensor_by_index(request.get(), i, tensors.back().get()),
        path_ + ": output " + output_names_[i]);
  }
  check_openvino(api.infer_request_infer(request.get()), "running " + path_);
  release(compiled, std::move(request));
}

OpenVinoSession::Request OpenVinoSession::acquire(const Compiled& compiled) const {
  {
    std::lock_guard<std::mutex> lock(compiled.idle_mutex);
    if (!compiled.idle.empty()) {
      Request request = std::move(compiled.idle.back());
      compiled.idle.pop_back();
      return request;
    }
  }
  ov_c::ov_infer_request_t* raw = nullptr;
  check_openvino(openvino().compiled_model_create_infer_request(compiled.model.get(), &raw),
                 path_ + ": creating an infer request");
  return Request(raw);
}

void OpenVinoSession::release(const Compiled& compiled, Request request) const {
  std::lock_guard<std::mutex> lock(compiled.idle_mutex);
  compiled.idle.push_back(std::move(request));
}

}  // namespace medsam
