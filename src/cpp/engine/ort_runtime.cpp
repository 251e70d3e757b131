#include "engine/ort_runtime.hpp"

#include <dlfcn.h>

#include <mutex>

namespace medsam {
namespace {
std::mutex g_mutex;
OrtRuntime* g_runtime = nullptr;
}  // namespace

void check(OrtStatus* status, const char* what) {
  if (status == nullptr) return;
  const OrtApi& api = ort();
  std::string message = std::string(what) + ": " + api.GetErrorMessage(status);
  api.ReleaseStatus(status);
  throw OrtError(message);
}

OrtRuntime::OrtRuntime(const std::string& library_path) {
  handle_ = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* err = dlerror();
    throw RuntimeLoadError("cannot load ONNX Runtime from " + library_path + ": " +
                           (err ? err : "unknown error"));
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle_, "OrtGetApiBase"));
  if (get_base == nullptr) {
    throw RuntimeLoadError(library_path + " does not export OrtGetApiBase");
  }
  const OrtApiBase* base = get_base();
  version_ = base->GetVersionString();
  api_ = base->GetApi(MEDSAM_FAST_ORT_API_VERSION);
  if (api_ == nullptr) {
    throw RuntimeLoadError("ONNX Runtime " + version_ + " at " + library_path +
                           " does not serve API version " +
                           std::to_string(MEDSAM_FAST_ORT_API_VERSION) +
                           ", which this build needs; install onnxruntime >= 1." +
                           std::to_string(MEDSAM_FAST_ORT_API_VERSION));
  }
  OrtStatus* status = api_->CreateEnv(ORT_LOGGING_LEVEL_ERROR, "medsam_fast", &env_);
  if (status != nullptr) {
    std::string message = api_->GetErrorMessage(status);
    api_->ReleaseStatus(status);
    throw OrtError("CreateEnv: " + message);
  }
}

OrtRuntime& OrtRuntime::load(const std::string& library_path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_runtime == nullptr) {
    // Deliberately leaked: ORT's environment must outlive every session, including
    // ones Python frees during interpreter shutdown.
    g_runtime = new OrtRuntime(library_path);
  }
  return *g_runtime;
}

OrtRuntime& OrtRuntime::get() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_runtime == nullptr) throw RuntimeLoadError("ONNX Runtime has not been loaded");
  return *g_runtime;
}

}  // namespace medsam
