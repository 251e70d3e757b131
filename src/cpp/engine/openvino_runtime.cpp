#include "engine/openvino_runtime.hpp"

#include <dlfcn.h>

#include <mutex>

namespace medsam {
namespace {

std::mutex g_mutex;
OpenVinoRuntime* g_runtime = nullptr;

template <typename Fn>
void resolve(void* handle, const std::string& path, const char* symbol, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(handle, symbol));
  if (fn == nullptr) {
    throw RuntimeLoadError(path + " does not export " + symbol +
                           "; install openvino >= 2023.0 (pip install 'medsam-fast[openvino]')");
  }
}

}  // namespace

void check_openvino(ov_c::ov_status_e status, const std::string& what) {
  if (status == 0) return;
  const ov_c::Api& api = openvino();
  std::string message = what + ": " + api.get_error_info(status);
  const char* detail = api.get_last_err_msg();
  if (detail != nullptr && *detail != '\0') message += ": " + std::string(detail);
  throw OpenVinoError(message);
}

OpenVinoRuntime::OpenVinoRuntime(const std::string& library_path) : path_(library_path) {
  handle_ = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* err = dlerror();
    throw RuntimeLoadError("cannot load OpenVINO from " + library_path + ": " +
                           (err ? err : "unknown error"));
  }
  const std::string& p = library_path;
  resolve(handle_, p, "ov_core_create", api_.core_create);
  resolve(handle_, p, "ov_core_read_model", api_.core_read_model);
  resolve(handle_, p, "ov_core_compile_model", api_.core_compile_model);
  resolve(handle_, p, "ov_model_free", api_.model_free);
  resolve(handle_, p, "ov_model_reshape_input_by_name", api_.model_reshape_input_by_name);
  resolve(handle_, p, "ov_partial_shape_create_static", api_.partial_shape_create_static);
  resolve(handle_, p, "ov_partial_shape_free", api_.partial_shape_free);
  resolve(handle_, p, "ov_compiled_model_inputs_size", api_.compiled_model_inputs_size);
  resolve(handle_, p, "ov_compiled_model_outputs_size", api_.compiled_model_outputs_size);
  resolve(handle_, p, "ov_compiled_model_input_by_index", api_.compiled_model_input_by_index);
  resolve(handle_, p, "ov_compiled_model_output_by_index", api_.compiled_model_output_by_index);
  resolve(handle_, p, "ov_compiled_model_create_infer_request",
          api_.compiled_model_create_infer_request);
  resolve(handle_, p, "ov_compiled_model_free", api_.compiled_model_free);
  resolve(handle_, p, "ov_port_get_any_name", api_.port_get_any_name);
  resolve(handle_, p, "ov_output_const_port_free", api_.output_const_port_free);
  resolve(handle_, p, "ov_shape_create", api_.shape_create);
  resolve(handle_, p, "ov_shape_free", api_.shape_free);
  resolve(handle_, p, "ov_tensor_create_from_host_ptr", api_.tensor_create_from_host_ptr);
  resolve(handle_, p, "ov_tensor_free", api_.tensor_free);
  resolve(handle_, p, "ov_infer_request_set_input_tensor_by_index",
          api_.infer_request_set_input_tensor_by_index);
  resolve(handle_, p, "ov_infer_request_set_output_tensor_by_index",
          api_.infer_request_set_output_tensor_by_index);
  resolve(handle_, p, "ov_infer_request_infer", api_.infer_request_infer);
  resolve(handle_, p, "ov_infer_request_free", api_.infer_request_free);
  resolve(handle_, p, "ov_free", api_.free);
  resolve(handle_, p, "ov_get_error_info", api_.get_error_info);
  resolve(handle_, p, "ov_get_last_err_msg", api_.get_last_err_msg);
  const ov_c::ov_status_e status = api_.core_create(&core_);
  if (status != 0) {
    throw RuntimeLoadError("OpenVINO at " + library_path +
                           " could not create its Core: " + api_.get_error_info(status));
  }
}

OpenVinoRuntime& OpenVinoRuntime::load(const std::string& library_path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_runtime == nullptr) {
    // Deliberately leaked, like ONNX Runtime's environment: compiled models Python frees
    // during interpreter shutdown still need the Core and its plugins.
    g_runtime = new OpenVinoRuntime(library_path);
  }
  return *g_runtime;
}

OpenVinoRuntime& OpenVinoRuntime::get() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_runtime == nullptr) throw RuntimeLoadError("OpenVINO has not been loaded");
  return *g_runtime;
}

}  // namespace medsam
