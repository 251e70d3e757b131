// Intensity preparation of raw volumes of any numeric dtype the challenge data uses.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "bindings/register.hpp"
#include "image/intensity.hpp"

namespace medsam {
namespace bind {

namespace py = pybind11;

namespace {

// Calls f with the typed data pointer of a numeric volume we prepare intensities for.
template <typename F>
auto with_intensity_type(const py::array& a, F&& f) {
  if (a.dtype().equal(py::dtype::of<uint8_t>())) return f(static_cast<const uint8_t*>(a.data()));
  if (a.dtype().equal(py::dtype::of<int16_t>())) return f(static_cast<const int16_t*>(a.data()));
  if (a.dtype().equal(py::dtype::of<uint16_t>())) return f(static_cast<const uint16_t*>(a.data()));
  if (a.dtype().equal(py::dtype::of<int32_t>())) return f(static_cast<const int32_t*>(a.data()));
  if (a.dtype().equal(py::dtype::of<float>())) return f(static_cast<const float*>(a.data()));
  if (a.dtype().equal(py::dtype::of<double>())) return f(static_cast<const double*>(a.data()));
  throw py::type_error("volume must be uint8, int16, uint16, int32, float32 or float64, got " +
                       py::str(a.dtype()).cast<std::string>());
}

py::array_t<uint8_t> windowed(const py::array& volume, double lo, double hi, bool zero_stays_zero) {
  if (!(volume.flags() & py::array::c_style)) throw py::value_error("volume must be C-contiguous");
  if (!(lo <= hi)) throw py::value_error("window: lo must not exceed hi");
  py::array_t<uint8_t> out(
      std::vector<py::ssize_t>(volume.shape(), volume.shape() + volume.ndim()));
  uint8_t* o = out.mutable_data();
  const int64_t n = volume.size();
  with_intensity_type(volume, [&](auto* p) {
    py::gil_scoped_release release;
    window_to_uint8(p, n, lo, hi, zero_stays_zero, o);
    return 0;
  });
  return out;
}

py::object percentiles(const py::array& volume, double p_lo, double p_hi) {
  if (!(volume.flags() & py::array::c_style)) throw py::value_error("volume must be C-contiguous");
  if (!(0 <= p_lo && p_lo <= p_hi && p_hi <= 100)) {
    throw py::value_error("percentiles must satisfy 0 <= lo <= hi <= 100");
  }
  double lo = 0, hi = 0;
  const int64_t n = volume.size();
  const bool found = with_intensity_type(volume, [&](auto* p) {
    py::gil_scoped_release release;
    return nonzero_percentiles(p, n, p_lo, p_hi, lo, hi);
  });
  if (!found) return py::none();
  return py::make_tuple(lo, hi);
}

}  // namespace

void register_intensity(py::module_& m) {
  m.def("window_to_uint8", &windowed, py::arg("volume"), py::arg("lo"), py::arg("hi"),
        py::arg("zero_stays_zero") = false);
  m.def("nonzero_percentiles", &percentiles, py::arg("volume"), py::arg("p_lo"), py::arg("p_hi"));
}

}  // namespace bind
}  // namespace medsam
