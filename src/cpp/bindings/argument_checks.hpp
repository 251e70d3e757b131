// Argument checks and conversions shared by the register_*.cpp files.  Every array is
// checked before the core touches it, so bad input is a Python exception, never a crash.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "segment/segment_types.hpp"

namespace medsam {
namespace bind {

namespace py = pybind11;

template <typename T>
void require(const py::array& a, const char* name, int min_rank, int max_rank) {
  if (!py::isinstance<py::array_t<T>>(a) || !a.dtype().equal(py::dtype::of<T>())) {
    throw py::type_error(std::string(name) + " must be a numpy array of " +
                         py::str(py::dtype::of<T>()).cast<std::string>() + ", got " +
                         py::str(a.dtype()).cast<std::string>());
  }
  if (a.ndim() < min_rank || a.ndim() > max_rank) {
    throw py::value_error(std::string(name) + " has " + std::to_string(a.ndim()) +
                          " dimensions, expected " + std::to_string(min_rank) +
                          (min_rank == max_rank ? "" : " to " + std::to_string(max_rank)));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + " must be C-contiguous");
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape(i) <= 0) throw py::value_error(std::string(name) + " has an empty dimension");
  }
}

inline int as_int(py::ssize_t v, const char* what) {
  if (v > (1 << 30)) throw py::value_error(std::string(what) + " is too large");
  return static_cast<int>(v);
}

// A uint8 (H, W) or (H, W, 3) image, checked, as the core's view of it.
inline Image2D image_2d(const py::array& image) {
  require<uint8_t>(image, "image", 2, 3);
  if (image.ndim() == 3 && image.shape(2) != 3) {
    throw py::value_error("a 3-dimensional image must be (H, W, 3), got " +
                          std::to_string(image.shape(2)) + " channels");
  }
  return {static_cast<const uint8_t*>(image.data()), as_int(image.shape(0), "height"),
          as_int(image.shape(1), "width"), image.ndim() == 3 ? 3 : 1};
}

// A uint8 (D, H, W) volume, checked, as the core's view of it.
inline Volume3D volume_3d(const py::array& volume) {
  require<uint8_t>(volume, "volume", 3, 3);
  return {static_cast<const uint8_t*>(volume.data()), as_int(volume.shape(0), "depth"),
          as_int(volume.shape(1), "height"), as_int(volume.shape(2), "width")};
}

inline py::dict stats_dict(const SegmentStats& s) {
  py::dict d;
  d["slices_encoded"] = s.slices_encoded;
  d["decoder_runs"] = s.decoder_runs;
  d["decoder_runs_beside_helper"] = s.decoder_runs_beside_helper;
  d["masks_decoded"] = s.masks_decoded;
  d["peak_cached_embeddings"] = s.peak_cached_embeddings;
  d["preprocess_seconds"] = s.preprocess_seconds;
  d["encode_seconds"] = s.encode_seconds;
  d["decode_seconds"] = s.decode_seconds;
  d["postprocess_seconds"] = s.postprocess_seconds;
  return d;
}

inline void require_boxes(const py::array& boxes, int width) {
  require<double>(boxes, "boxes", 2, 2);
  if (boxes.shape(1) != width) {
    throw py::value_error("boxes must have " + std::to_string(width) + " columns, got " +
                          std::to_string(boxes.shape(1)));
  }
}

// Runs f on the labels buffer (uint8 or uint16, checked by require_labels), GIL released.
template <typename F>
void on_labels(py::array& out, F&& f) {
  if (out.dtype().equal(py::dtype::of<uint8_t>())) {
    auto* labels = static_cast<uint8_t*>(out.mutable_data());
    py::gil_scoped_release release;
    f(labels);
  } else {
    auto* labels = static_cast<uint16_t*>(out.mutable_data());
    py::gil_scoped_release release;
    f(labels);
  }
}

inline void require_labels(const py::array& out, const std::vector<py::ssize_t>& shape) {
  const bool u8 = out.dtype().equal(py::dtype::of<uint8_t>());
  const bool u16 = out.dtype().equal(py::dtype::of<uint16_t>());
  if (!u8 && !u16) throw py::type_error("out must be uint8 or uint16");
  if (!(out.flags() & py::array::c_style) || !out.writeable()) {
    throw py::value_error("out must be a writeable C-contiguous array");
  }
  if (std::vector<py::ssize_t>(out.shape(), out.shape() + out.ndim()) != shape) {
    throw py::value_error("out has the wrong shape");
  }
}

}  // namespace bind
}  // namespace medsam
