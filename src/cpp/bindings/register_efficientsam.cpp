// The point-prompted family (EfficientSAM): the model class with its 2D pipeline, and its
// encoder input and point prompts on their own for the tests.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bindings/argument_checks.hpp"
#include "bindings/register.hpp"
#include "models/efficientsam_model.hpp"
#include "models/efficientsam_prompts.hpp"
#include "segment/efficientsam_2d.hpp"

namespace medsam {
namespace bind {
namespace {

PointPromptSettings prompt_settings(bool scale_by_max, const std::array<float, 3>& mean,
                                    const std::array<float, 3>& std, bool center_point,
                                    int mask_output, const std::string& upsample) {
  for (float s : std) {
    if (!(s > 0)) throw py::value_error("std must be positive");
  }
  if (upsample != "bicubic" && upsample != "bilinear") {
    throw py::value_error("upsample must be 'bicubic' or 'bilinear', got '" + upsample + "'");
  }
  if (mask_output < -1) throw py::value_error("mask_output must be -1 (best IoU) or a mask index");
  return {scale_by_max, mean, std, center_point, mask_output, upsample == "bicubic"};
}

class PyEfficientSAM {
 public:
  PyEfficientSAM(const std::string& encoder, const std::string& decoder, int threads,
                 const std::string& engine, const std::string& precision, int input_size,
                 int num_masks)
      : model_(encoder, decoder,
               EngineSettings{parse_engine(engine), threads, parse_precision(precision)},
               input_size, num_masks) {}

  py::dict segment_2d(const py::array& image, const py::array& boxes, py::array& out,
                      bool scale_by_max, const std::array<float, 3>& mean,
                      const std::array<float, 3>& std, bool center_point, int mask_output,
                      const std::string& upsample) {
    const Image2D img = image_2d(image);
    require_boxes(boxes, 4);
    require_labels(out, {image.shape(0), image.shape(1)});
    const PointPromptSettings settings =
        prompt_settings(scale_by_max, mean, std, center_point, mask_output, upsample);
    SegmentStats stats;
    const auto* b = static_cast<const double*>(boxes.data());
    const int64_t n = boxes.shape(0);
    on_labels(out,
              [&](auto* labels) { segment_2d_points(model_, img, b, n, settings, labels, stats); });
    return stats_dict(stats);
  }

 private:
  EfficientSAMModel model_;
};

py::array_t<float> stretched_input(const py::array& image, int size, bool scale_by_max,
                                   const std::array<float, 3>& mean,
                                   const std::array<float, 3>& std) {
  const Image2D img = image_2d(image);
  if (size < 16 || size > 4096) throw py::value_error("size must be in [16, 4096]");
  const PointPromptSettings settings =
      prompt_settings(scale_by_max, mean, std, true, -1, "bicubic");
  py::array_t<float> out({py::ssize_t(1), py::ssize_t(3), py::ssize_t(size), py::ssize_t(size)});
  float* dst = out.mutable_data();
  py::gil_scoped_release release;
  prepare_stretched_input(img.data, img.h, img.w, img.channels, size, settings, dst);
  return out;
}

// `auto`: the typed tuple make_tuple returns gives the signature its element types.
auto prompts(const py::array& boxes, int h, int w, int size, bool center_point) {
  require_boxes(boxes, 4);
  if (h < 1 || w < 1 || size < 1) throw py::value_error("h, w and size must be positive");
  std::vector<float> coords, labels;
  const int64_t n = boxes.shape(0);
  const int p = point_prompts(static_cast<const double*>(boxes.data()), n, h, w, size, center_point,
                              coords, labels);
  py::array_t<float> c({py::ssize_t(n), py::ssize_t(p), py::ssize_t(2)});
  py::array_t<float> l({py::ssize_t(n), py::ssize_t(p)});
  std::copy(coords.begin(), coords.end(), c.mutable_data());
  std::copy(labels.begin(), labels.end(), l.mutable_data());
  return py::make_tuple(c, l);
}

}  // namespace

void register_efficientsam(py::module_& m) {
  m.def("prepare_stretched_input", &stretched_input, py::arg("image"), py::arg("size"),
        py::arg("scale_by_max"), py::arg("mean"), py::arg("std"),
        "EfficientSAM-family encoder input (1,3,size,size) for a uint8 image.");
  m.def("point_prompts", &prompts, py::arg("boxes"), py::arg("h"), py::arg("w"), py::arg("size"),
        py::arg("center_point"),
        "The decoder's point coordinates (N,P,2) in the size frame and labels (N,P).");

  py::class_<PyEfficientSAM>(m, "EfficientSAMModel")
      .def(py::init<const std::string&, const std::string&, int, const std::string&,
                    const std::string&, int, int>(),
           py::arg("encoder"), py::arg("decoder"), py::arg("threads") = 0,
           py::arg("engine") = "onnxruntime", py::arg("precision") = "fp32",
           py::arg("input_size") = 1024, py::arg("num_masks") = 3)
      .def("segment_2d", &PyEfficientSAM::segment_2d, py::arg("image"), py::arg("boxes"),
           py::arg("out"), py::arg("scale_by_max"), py::arg("mean"), py::arg("std"),
           py::arg("center_point"), py::arg("mask_output"), py::arg("upsample"));
}

}  // namespace bind
}  // namespace medsam
