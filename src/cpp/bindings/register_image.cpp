// Image-level pieces of the pipeline, exposed for tests and for the Python reference:
// resizing, LiteMedSAM's encoder input, boxes and masks between the image and the 256
// frame, and torch-style resampling of float planes.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings/argument_checks.hpp"
#include "bindings/register.hpp"
#include "image/masks.hpp"
#include "image/preprocess.hpp"
#include "image/resize.hpp"
#include "image/torch_resample.hpp"

namespace medsam {
namespace bind {
namespace {

py::array_t<uint8_t> resized_area(const py::array& image, int out_h, int out_w) {
  require<uint8_t>(image, "image", 2, 3);
  if (out_h <= 0 || out_w <= 0) throw py::value_error("output size must be positive");
  const int channels = image.ndim() == 3 ? as_int(image.shape(2), "channels") : 1;
  std::vector<py::ssize_t> shape{out_h, out_w};
  if (image.ndim() == 3) shape.push_back(channels);
  py::array_t<uint8_t> out(shape);
  const auto* src = static_cast<const uint8_t*>(image.data());
  auto* dst = out.mutable_data();
  const int h = as_int(image.shape(0), "height"), w = as_int(image.shape(1), "width");
  py::gil_scoped_release release;
  resize_area(src, h, w, channels, static_cast<int64_t>(w) * channels, dst, out_h, out_w);
  return out;
}

// `auto`: the typed tuple make_tuple returns gives the signature its element types.
auto encoder_input(const py::array& image) {
  require<uint8_t>(image, "image", 2, 3);
  const int channels = image.ndim() == 3 ? as_int(image.shape(2), "channels") : 1;
  if (channels != 3 && channels != 1) throw py::value_error("image must be (H, W) or (H, W, 3)");
  py::array_t<float> out(
      {py::ssize_t(1), py::ssize_t(3), py::ssize_t(kFrame), py::ssize_t(kFrame)});
  const auto* src = static_cast<const uint8_t*>(image.data());
  float* dst = out.mutable_data();
  const int h = as_int(image.shape(0), "height"), w = as_int(image.shape(1), "width");
  Extent e;
  {
    py::gil_scoped_release release;
    std::vector<uint8_t> scratch;
    e = prepare_encoder_input(src, h, w, channels, static_cast<int64_t>(w) * channels, dst,
                              scratch);
  }
  return py::make_tuple(out, py::make_tuple(e.h, e.w));
}

py::array_t<uint8_t> mask_from_logits(const py::array& logits, int resized_h, int resized_w, int h,
                                      int w) {
  require<float>(logits, "logits", 2, 2);
  if (logits.shape(0) != kFrame || logits.shape(1) != kFrame) {
    throw py::value_error("logits must be (256, 256)");
  }
  if (resized_h < 1 || resized_h > kFrame || resized_w < 1 || resized_w > kFrame || h < 1 ||
      w < 1) {
    throw py::value_error("sizes out of range");
  }
  py::array_t<uint8_t> out({h, w});
  const float* src = static_cast<const float*>(logits.data());
  uint8_t* dst = out.mutable_data();
  py::gil_scoped_release release;
  logits_to_mask(src, Extent{resized_h, resized_w}, h, w, dst, MaskRegion::whole(h, w));
  return out;
}

py::object box_from_mask(const py::array& mask, uint8_t label_value, int margin) {
  require<uint8_t>(mask, "mask", 2, 2);
  // As segment_3d: a negative margin shrinks the box and can invert it.
  if (margin < 0 || margin > kFrame) throw py::value_error("margin must be in [0, 256]");
  const int h = as_int(mask.shape(0), "height"), w = as_int(mask.shape(1), "width");
  std::vector<uint8_t> scratch;
  const auto b = propagation_box(static_cast<const uint8_t*>(mask.data()), h, w,
                                 longest_side_extent(h, w, kFrame), label_value, margin, scratch);
  if (!b) return py::none();
  return py::make_tuple(b->x0, b->y0, b->x1, b->y1);
}

py::array_t<float> resampled(const py::array& src, int h, int w, const std::string& mode) {
  if (mode != "bilinear" && mode != "bicubic")
    throw py::value_error("mode must be bilinear or bicubic");
  require<float>(src, "src", 2, 2);
  if (h <= 0 || w <= 0 || h > (1 << 15) || w > (1 << 15)) {
    throw py::value_error("output size must be in [1, 32768]");
  }
  py::array_t<float> out({py::ssize_t(h), py::ssize_t(w)});
  const auto* s = static_cast<const float*>(src.data());
  const int sh = as_int(src.shape(0), "height"), sw = as_int(src.shape(1), "width");
  float* d = out.mutable_data();
  py::gil_scoped_release release;
  (mode == "bicubic" ? torch_bicubic : torch_bilinear)(s, sh, sw, d, h, w);
  return out;
}

}  // namespace

void register_image(py::module_& m) {
  m.def(
      "longest_side_extent",
      [](int h, int w, int target) {
        auto e = longest_side_extent(h, w, target);
        return py::make_tuple(e.h, e.w);
      },
      py::arg("h"), py::arg("w"), py::arg("target") = kFrame);
  m.def("resize_area", &resized_area, py::arg("image"), py::arg("out_h"), py::arg("out_w"),
        "cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA) for uint8 images.");
  m.def("prepare_encoder_input", &encoder_input, py::arg("image"),
        "Encoder input (1,3,256,256) float32 and the resized (h, w) for a uint8 image.");
  m.def(
      "box_to_frame",
      [](double x0, double y0, double x1, double y1, int h, int w) {
        const Box b = box_to_frame(x0, y0, x1, y1, h, w);
        return py::make_tuple(b.x0, b.y0, b.x1, b.y1);
      },
      py::arg("x0"), py::arg("y0"), py::arg("x1"), py::arg("y1"), py::arg("h"), py::arg("w"));
  m.def("logits_to_mask", &mask_from_logits, py::arg("logits"), py::arg("resized_h"),
        py::arg("resized_w"), py::arg("h"), py::arg("w"));
  m.def("propagation_box", &box_from_mask, py::arg("mask"), py::arg("label_value"),
        py::arg("margin"),
        "Prompt box (256 frame) derived from a slice mask, or None when it vanishes at 256.");
  m.def("torch_resize", &resampled, py::arg("src"), py::arg("h"), py::arg("w"),
        py::arg("mode") = "bilinear",
        "A float32 plane resized as torch's F.interpolate(align_corners=False) does.");
}

}  // namespace bind
}  // namespace medsam
