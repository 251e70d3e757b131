// ONNX Runtime through its C API, loaded at run time with dlopen.
//
// Nothing links against libonnxruntime at build time: the onnxruntime wheel that is
// installed ships the library.  We ask it for the pinned API version
// (MEDSAM_FAST_ORT_API_VERSION, from cmake/ort_pin.cmake), not the header's, so a newer
// header still builds a core that runs on the oldest onnxruntime the package accepts; a
// library older than that is refused when it loads.
#pragma once
#include <onnxruntime_c_api.h>

#ifndef MEDSAM_FAST_ORT_API_VERSION
#error "MEDSAM_FAST_ORT_API_VERSION must be defined by the build (cmake/ort_pin.cmake)"
#endif
static_assert(ORT_API_VERSION >= MEDSAM_FAST_ORT_API_VERSION,
              "onnxruntime_c_api.h is older than the pinned ONNX Runtime API version");

#include <memory>
#include <string>

#include "engine/errors.hpp"

namespace medsam {

// The loaded library: one per process, kept for the process's lifetime because ORT
// objects (and the threads its environment owns) must never outlive the code.
class OrtRuntime {
 public:
  // Loads `library_path` the first time; later calls return that library whatever path
  // they name (a process holds one ONNX Runtime).
  static OrtRuntime& load(const std::string& library_path);
  static OrtRuntime& get();  // throws RuntimeLoadError if load() never succeeded

  const OrtApi& api() const { return *api_; }
  OrtEnv* env() const { return env_; }
  const std::string& version() const { return version_; }

 private:
  OrtRuntime(const std::string& library_path);
  void* handle_ = nullptr;
  const OrtApi* api_ = nullptr;
  OrtEnv* env_ = nullptr;  // one environment per process, never released
  std::string version_;
};

inline const OrtApi& ort() { return OrtRuntime::get().api(); }

// Turns an OrtStatus into an OrtError carrying ORT's message (and releases it).
void check(OrtStatus* status, const char* what);

// RAII owners for the handles we create.
struct OrtReleaser {
  void operator()(OrtSessionOptions* p) const { ort().ReleaseSessionOptions(p); }
  void operator()(OrtSession* p) const { ort().ReleaseSession(p); }
  void operator()(OrtValue* p) const { ort().ReleaseValue(p); }
  void operator()(OrtMemoryInfo* p) const { ort().ReleaseMemoryInfo(p); }
  void operator()(OrtTypeInfo* p) const { ort().ReleaseTypeInfo(p); }
};
template <typename T>
using OrtOwned = std::unique_ptr<T, OrtReleaser>;

}  // namespace medsam
