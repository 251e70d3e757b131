// LiteMedSAMModel: the encoder and decoder on their own, and the 2D and 3D strategies
// that write labels into a caller's array (and the most boxes one decoder call takes);
// plus the three-view vote over such arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings/argument_checks.hpp"
#include "bindings/register.hpp"
#include "image/preprocess.hpp"
#include "models/litemedsam_model.hpp"
#include "segment/batch_decode.hpp"
#include "segment/propagate_3d.hpp"
#include "segment/segment_2d.hpp"
#include "segment/slice_strategies.hpp"

namespace medsam {
namespace bind {
namespace {

class PyModel {
 public:
  PyModel(const std::string& encoder, const std::string& decoder, int threads,
          const std::string& engine, const std::string& precision)
      : model_(encoder, decoder,
               EngineSettings{parse_engine(engine), threads, parse_precision(precision)}) {}

  py::array_t<float> encode(const py::array& images) {
    require<float>(images, "images", 4, 4);
    if (images.shape(1) != 3 || images.shape(2) != kFrame || images.shape(3) != kFrame) {
      throw py::value_error("images must have shape (B, 3, 256, 256)");
    }
    const int64_t b = images.shape(0);
    py::array_t<float> out({b, py::ssize_t(256), py::ssize_t(64), py::ssize_t(64)});
    const float* in = static_cast<const float*>(images.data());
    float* o = out.mutable_data();
    py::gil_scoped_release release;
    model_.encode(in, b, o);
    return out;
  }

  static void check_decode_inputs(const py::array& embedding, const py::array& boxes) {
    require<float>(embedding, "embedding", 4, 4);
    if (embedding.shape(0) != 1 || embedding.shape(1) != 256 || embedding.shape(2) != 64 ||
        embedding.shape(3) != 64) {
      throw py::value_error("embedding must have shape (1, 256, 64, 64)");
    }
    require<float>(boxes, "boxes", 2, 2);
    if (boxes.shape(1) != 4) throw py::value_error("boxes must have shape (N, 4)");
  }

  py::array_t<float> decode(const py::array& embedding, const py::array& boxes) {
    check_decode_inputs(embedding, boxes);
    const int64_t n = boxes.shape(0);
    py::array_t<float> out({n, py::ssize_t(1), py::ssize_t(256), py::ssize_t(256)});
    const float* e = static_cast<const float*>(embedding.data());
    const float* b = static_cast<const float*>(boxes.data());
    float* o = out.mutable_data();
    py::gil_scoped_release release;
    model_.decode(e, b, n, o);
    return out;
  }

  // (logits (N,1,256,256), predicted IoU (N,)); the decoder must have the IoU output.
  py::tuple decode_with_iou(const py::array& embedding, const py::array& boxes) {
    check_decode_inputs(embedding, boxes);
    const int64_t n = boxes.shape(0);
    py::array_t<float> logits({n, py::ssize_t(1), py::ssize_t(256), py::ssize_t(256)});
    py::array_t<float> iou({n});
    const float* e = static_cast<const float*>(embedding.data());
    const float* b = static_cast<const float*>(boxes.data());
    float* l = logits.mutable_data();
    float* i = iou.mutable_data();
    {
      py::gil_scoped_release release;
      model_.decode(e, b, n, l, i);
    }
    return py::make_tuple(logits, iou);
  }

  bool has_iou() const { return model_.has_iou(); }

  py::dict segment_2d(const py::array& image, const py::array& boxes, py::array& out) {
    const Image2D img = image_2d(image);
    require_boxes(boxes, 4);
    require_labels(out, {image.shape(0), image.shape(1)});
    SegmentStats stats;
    const auto* b = static_cast<const double*>(boxes.data());
    const int64_t n = boxes.shape(0);
    on_labels(out, [&](auto* labels) { medsam::segment_2d(model_, img, b, n, labels, stats); });
    return stats_dict(stats);
  }

  py::dict segment_3d(const py::array& volume, const py::array& boxes, py::array& out, int margin,
                      int max_cached, bool confident) {
    require<uint8_t>(volume, "volume", 3, 3);
    require_boxes(boxes, 6);
    require_labels(out, {volume.shape(0), volume.shape(1), volume.shape(2)});
    if (margin < 0 || margin > kFrame) throw py::value_error("margin must be in [0, 256]");
    if (max_cached < 1) throw py::value_error("max_cached must be at least 1");
    const Volume3D vol = volume_3d(volume);
    PropagationSettings settings{margin, confident, static_cast<size_t>(max_cached)};
    SegmentStats stats;
    const auto* b = static_cast<const double*>(boxes.data());
    const int64_t n = boxes.shape(0);
    on_labels(
        out, [&](auto* labels) { medsam::segment_3d(model_, vol, b, n, settings, labels, stats); });
    return stats_dict(stats);
  }

  py::dict segment_slices(const py::array& volume, const py::array& boxes, py::array& out,
                          int axis) {
    require<uint8_t>(volume, "volume", 3, 3);
    require_boxes(boxes, 6);
    require_labels(out, {volume.shape(0), volume.shape(1), volume.shape(2)});
    if (axis < 0 || axis > 2) throw py::value_error("axis must be 0, 1 or 2");
    const Volume3D vol = volume_3d(volume);
    SegmentStats stats;
    const auto* b = static_cast<const double*>(boxes.data());
    const int64_t n = boxes.shape(0);
    on_labels(out, [&](auto* labels) {
      segment_box_every_slice(model_, vol, b, n, axis, labels, stats);
    });
    return stats_dict(stats);
  }

 private:
  LiteMedSAMModel model_;
};

template <typename Label>
void vote(const py::array& a, const py::array& b, const py::array& c, py::array& out) {
  const auto* pa = static_cast<const Label*>(a.data());
  const auto* pb = static_cast<const Label*>(b.data());
  const auto* pc = static_cast<const Label*>(c.data());
  auto* po = static_cast<Label*>(out.mutable_data());
  const int64_t n = a.size();
  py::gil_scoped_release release;
  majority_vote<Label>(pa, pb, pc, n, po);
}

void vote_of_three(const py::array& a, const py::array& b, const py::array& c, py::array& out) {
  std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
  for (const py::array* v : {&b, &c}) {
    if (!v->dtype().equal(a.dtype()) || !(v->flags() & py::array::c_style) ||
        std::vector<py::ssize_t>(v->shape(), v->shape() + v->ndim()) != shape) {
      throw py::value_error("the three label volumes must share dtype, shape and be C-contiguous");
    }
  }
  if (!(a.flags() & py::array::c_style)) throw py::value_error("labels must be C-contiguous");
  require_labels(out, shape);
  if (!out.dtype().equal(a.dtype())) throw py::type_error("out must have the labels' dtype");
  if (a.dtype().equal(py::dtype::of<uint8_t>())) {
    vote<uint8_t>(a, b, c, out);
  } else {
    vote<uint16_t>(a, b, c, out);
  }
}

}  // namespace

void register_litemedsam(py::module_& m) {
  m.attr("DECODE_BATCH") = kDecodeBatch;  // boxes per decoder call at most
  m.def("majority_vote", &vote_of_three, py::arg("a"), py::arg("b"), py::arg("c"), py::arg("out"),
        "Per-voxel majority of three label volumes; the smallest label where all differ.");

  py::class_<PyModel>(m, "LiteMedSAMModel")
      .def(py::init<const std::string&, const std::string&, int, const std::string&,
                    const std::string&>(),
           py::arg("encoder"), py::arg("decoder"), py::arg("threads") = 0,
           py::arg("engine") = "onnxruntime", py::arg("precision") = "fp32")
      .def("encode", &PyModel::encode, py::arg("images"))
      .def("decode", &PyModel::decode, py::arg("embedding"), py::arg("boxes"))
      .def("segment_2d", &PyModel::segment_2d, py::arg("image"), py::arg("boxes"), py::arg("out"))
      .def("segment_slices", &PyModel::segment_slices, py::arg("volume"), py::arg("boxes"),
           py::arg("out"), py::arg("axis") = 0)
      .def("segment_3d", &PyModel::segment_3d, py::arg("volume"), py::arg("boxes"), py::arg("out"),
           py::arg("margin") = 3, py::arg("max_cached") = 64, py::arg("confident") = false)
      .def("decode_with_iou", &PyModel::decode_with_iou, py::arg("embedding"), py::arg("boxes"))
      .def("has_iou", &PyModel::has_iou);
}

}  // namespace bind
}  // namespace medsam
