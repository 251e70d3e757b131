// OpenVINO through its C API, loaded at run time with dlopen from the `openvino` wheel.
//
// The C API is a set of plain exported functions over opaque handles, so we declare the
// few we call ourselves and resolve them by name: medsam_fast builds without OpenVINO
// installed, and the engine becomes available the moment the optional wheel is.
// Declarations follow openvino/c/*.h (C API 2023.0 and later, where they are stable).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/errors.hpp"

namespace medsam {
namespace ov_c {

struct ov_core_t;
struct ov_model_t;
struct ov_compiled_model_t;
struct ov_infer_request_t;
struct ov_tensor_t;
struct ov_output_const_port_t;
struct ov_shape_t {
  int64_t rank;
  int64_t* dims;
};
struct ov_dimension_t {
  int64_t min;
  int64_t max;
};
struct ov_partial_shape_t {
  ov_dimension_t rank;
  ov_dimension_t* dims;
};
using ov_status_e = int;        // 0 is OK
constexpr int kElementF32 = 4;  // ov_element_type_e::F32

// Every C API function we call, resolved once by name.
struct Api {
  ov_status_e (*core_create)(ov_core_t**);
  ov_status_e (*core_read_model)(const ov_core_t*, const char*, const char*, ov_model_t**);
  // Properties follow as (key, value) C-string pairs; property_args_size counts both.
  ov_status_e (*core_compile_model)(const ov_core_t*, const ov_model_t*, const char*, size_t,
                                    ov_compiled_model_t**, ...);
  void (*model_free)(ov_model_t*);
  ov_status_e (*model_reshape_input_by_name)(const ov_model_t*, const char*, ov_partial_shape_t);
  ov_status_e (*partial_shape_create_static)(int64_t, const int64_t*, ov_partial_shape_t*);
  void (*partial_shape_free)(ov_partial_shape_t*);
  ov_status_e (*compiled_model_inputs_size)(const ov_compiled_model_t*, size_t*);
  ov_status_e (*compiled_model_outputs_size)(const ov_compiled_model_t*, size_t*);
  ov_status_e (*compiled_model_input_by_index)(const ov_compiled_model_t*, size_t,
                                               ov_output_const_port_t**);
  ov_status_e (*compiled_model_output_by_index)(const ov_compiled_model_t*, size_t,
                                                ov_output_const_port_t**);
  ov_status_e (*compiled_model_create_infer_request)(const ov_compiled_model_t*,
                                                     ov_infer_request_t**);
  void (*compiled_model_free)(ov_compiled_model_t*);
  ov_status_e (*port_get_any_name)(const ov_output_const_port_t*, char**);
  void (*output_const_port_free)(ov_output_const_port_t*);
  ov_status_e (*shape_create)(int64_t, const int64_t*, ov_shape_t*);
  ov_status_e (*shape_free)(ov_shape_t*);
  ov_status_e (*tensor_create_from_host_ptr)(int, ov_shape_t, void*, ov_tensor_t**);
  void (*tensor_free)(ov_tensor_t*);
  ov_status_e (*infer_request_set_input_tensor_by_index)(ov_infer_request_t*, size_t,
                                                         const ov_tensor_t*);
  ov_status_e (*infer_request_set_output_tensor_by_index)(ov_infer_request_t*, size_t,
                                                          const ov_tensor_t*);
  ov_status_e (*infer_request_infer)(ov_infer_request_t*);
  void (*infer_request_free)(ov_infer_request_t*);
  void (*free)(const char*);
  const char* (*get_error_info)(ov_status_e);
  const char* (*get_last_err_msg)();
};

}  // namespace ov_c

// The loaded library and its one Core, both kept for the process's lifetime (the CPU
// plugin's thread pools must never outlive the code that runs on them).
class OpenVinoRuntime {
 public:
  static OpenVinoRuntime& load(const std::string& library_path);
  static OpenVinoRuntime& get();  // throws RuntimeLoadError if load() never succeeded

  const ov_c::Api& api() const { return api_; }
  ov_c::ov_core_t* core() const { return core_; }
  const std::string& path() const { return path_; }

 private:
  explicit OpenVinoRuntime(const std::string& library_path);
  void* handle_ = nullptr;
  ov_c::Api api_{};
  ov_c::ov_core_t* core_ = nullptr;
  std::string path_;
};

inline const ov_c::Api& openvino() { return OpenVinoRuntime::get().api(); }

// Turns a failed status into an OpenVinoError carrying OpenVINO's own message.
void check_openvino(ov_c::ov_status_e status, const std::string& what);

// RAII owners for the handles we create.
struct OpenVinoReleaser {
  void operator()(ov_c::ov_model_t* p) const { openvino().model_free(p); }
  void operator()(ov_c::ov_compiled_model_t* p) const { openvino().compiled_model_free(p); }
  void operator()(ov_c::ov_infer_request_t* p) const { openvino().infer_request_free(p); }
  void operator()(ov_c::ov_tensor_t* p) const { openvino().tensor_free(p); }
  void operator()(ov_c::ov_output_const_port_t* p) const { openvino().output_const_port_free(p); }
};
template <typename T>
using OpenVinoOwned = std::unique_ptr<T, OpenVinoReleaser>;

}  // namespace medsam
