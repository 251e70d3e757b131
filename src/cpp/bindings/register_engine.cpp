// Python exceptions for the core's error types, loading the engines' runtime libraries,
// and the ONNX Runtime API version asked of the library.
#include <onnxruntime_c_api.h>
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/register.hpp"
#include "engine/errors.hpp"
#include "engine/openvino_runtime.hpp"
#include "engine/ort_runtime.hpp"

namespace medsam {
namespace bind {

namespace py = pybind11;

void register_engine(py::module_& m) {
  static py::exception<OrtError> ort_error(m, "OrtError", PyExc_RuntimeError);
  static py::exception<OpenVinoError> openvino_error(m, "OpenVinoError", PyExc_RuntimeError);
  static py::exception<RuntimeLoadError> load_error(m, "RuntimeLoadError", PyExc_ImportError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const OrtError& e) {
      py::set_error(ort_error, e.what());
    } catch (const OpenVinoError& e) {
      py::set_error(openvino_error, e.what());
    } catch (const RuntimeLoadError& e) {
      py::set_error(load_error, e.what());
    }
  });

  m.def(
      "load_runtime", [](const std::string& path) { return OrtRuntime::load(path).version(); },
      py::arg("library_path"),
      "Load libonnxruntime from `library_path` (once per process); returns its version.");
  m.def(
      "load_openvino", [](const std::string& path) { return OpenVinoRuntime::load(path).path(); },
      py::arg("library_path"),
      "Load libopenvino_c from `library_path` (once per process); returns the path loaded.");
  m.attr("ORT_API_VERSION") = MEDSAM_FAST_ORT_API_VERSION;  // the version asked of the library
}

}  // namespace bind
}  // namespace medsam
