// Python bindings: a thin layer that checks numpy buffers, releases the GIL and calls
// the core.  Arrays are used in place; nothing is copied across the boundary.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "bindings/argument_checks.hpp"
#include "image/intensity.hpp"
#include "image/masks.hpp"
#include "engine/openvino_runtime.hpp"
#include "engine/ort_runtime.hpp"
#include "metrics/metrics.hpp"
#include "image/preprocess.hpp"
#include "image/resize.hpp"
#include "segment/segment_types.hpp"
#include "segment/boxes.hpp"
#include "segment/slice_strategies.hpp"

namespace py = pybind11;
using namespace medsam;
using namespace medsam::bind;

namespace {

LabelVolume label_volume(const py::array& a, const char* name) {
  if (a.ndim() != 3) throw py::value_error(std::string(name) + " must be 3-dimensional here");
  const char kind = a.dtype().kind();
  if (kind != 'u' && kind != 'i') throw py::type_error(std::string(name) + " must hold integer labels");
  if (!(a.flags() & py::array::c_style)) throw py::value_error(std::string(name) + " must be C-contiguous");
  const int size = static_cast<int>(a.itemsize());
  if (size != 1 && size != 2 && size != 4 && size != 8) throw py::type_error("unsupported label width");
  return {a.data(), size, {a.shape(0), a.shape(1), a.shape(2)}};
}

py::dict evaluate_labels(const py::array& gt, const py::array& seg, const std::vector<int64_t>& labels,
                         const std::array<double, 3>& spacing, const std::vector<double>& table,
                         double tolerance, int threads, bool nsd) {
  const LabelVolume g = label_volume(gt, "gt"), s = label_volume(seg, "seg");
  if (g.shape != s.shape) throw py::value_error("gt and seg have different shapes");
  if (table.size() != 256) throw py::value_error("the surface area table must have 256 entries");
  for (double v : spacing) {
    if (!(v > 0) || !std::isfinite(v)) throw py::value_error("spacing must be positive and finite");
  }
  if (!(tolerance >= 0)) throw py::value_error("tolerance must be >= 0");
  for (int64_t l : labels) {
    if (l < 1) throw py::value_error("labels must be >= 1");
  }
  std::array<double, 256> areas;
  std::copy(table.begin(), table.end(), areas.begin());
  std::vector<LabelCounts> counts;
  std::vector<double> nsd_values;
  {
    py::gil_scoped_release release;
    counts = count_labels(g, s, labels);
    if (nsd) nsd_values = surface_dice_labels(g, s, labels, counts, spacing, areas, tolerance, threads);
  }
  py::list gt_count, seg_count, both;
  for (const LabelCounts& c : counts) {
    gt_count.append(c.gt);
    seg_count.append(c.seg);
    both.append(c.both);
  }
  py::dict out;
  out["gt"] = gt_count;
  out["seg"] = seg_count;
  out["both"] = both;
  out["nsd"] = py::cast(nsd_values);
  return out;
}

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

  py::array_t<float> decode(const py::array& embedding, const py::array& boxes) {
    require<float>(embedding, "embedding", 4, 4);
    if (embedding.shape(0) != 1 || embedding.shape(1) != 256 || embedding.shape(2) != 64 ||
        embedding.shape(3) != 64) {
      throw py::value_error("embedding must have shape (1, 256, 64, 64)");
    }
    require<float>(boxes, "boxes", 2, 2);
    if (boxes.shape(1) != 4) throw py::value_error("boxes must have shape (N, 4)");
    const int64_t n = boxes.shape(0);
    py::array_t<float> out({n, py::ssize_t(1), py::ssize_t(256), py::ssize_t(256)});
    const float* e = static_cast<const float*>(embedding.data());
    const float* b = static_cast<const float*>(boxes.data());
    float* o = out.mutable_data();
    py::gil_scoped_release release;
    model_.decode(e, b, n, o);
    return out;
  }

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
                      int max_cached) {
    require<uint8_t>(volume, "volume", 3, 3);
    require_boxes(boxes, 6);
    require_labels(out, {volume.shape(0), volume.shape(1), volume.shape(2)});
    if (margin < 0 || margin > kFrame) throw py::value_error("margin must be in [0, 256]");
    if (max_cached < 1) throw py::value_error("max_cached must be at least 1");
    const Volume3D vol{static_cast<const uint8_t*>(volume.data()), as_int(volume.shape(0), "depth"),
                       as_int(volume.shape(1), "height"), as_int(volume.shape(2), "width")};
    PropagationSettings settings{margin, static_cast<size_t>(max_cached)};
    SegmentStats stats;
    const auto* b = static_cast<const double*>(boxes.data());
    const int64_t n = boxes.shape(0);
    on_labels(out, [&](auto* labels) { medsam::segment_3d(model_, vol, b, n, settings, labels, stats); });
    return stats_dict(stats);
  }

  py::dict segment_slices(const py::array& volume, const py::array& boxes, py::array& out, int axis) {
    require<uint8_t>(volume, "volume", 3, 3);
    require_boxes(boxes, 6);
    require_labels(out, {volume.shape(0), volume.shape(1), volume.shape(2)});
    if (axis < 0 || axis > 2) throw py::value_error("axis must be 0, 1 or 2");
    const Volume3D vol{static_cast<const uint8_t*>(volume.data()), as_int(volume.shape(0), "depth"),
                       as_int(volume.shape(1), "height"), as_int(volume.shape(2), "width")};
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

}  // namespace

void bind_efficientsam(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "medsam_fast's C++ core";
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

  m.def("load_runtime", [](const std::string& path) { return OrtRuntime::load(path).version(); },
        py::arg("library_path"),
        "Load libonnxruntime from `library_path` (once per process); returns its version.");
  m.def("runtime_loaded", &OrtRuntime::loaded);
  m.def("load_openvino", [](const std::string& path) { return OpenVinoRuntime::load(path).path(); },
        py::arg("library_path"),
        "Load libopenvino_c from `library_path` (once per process); returns the path loaded.");
  m.attr("ORT_API_VERSION") = ORT_API_VERSION;
  m.attr("DECODE_BATCH") = kDecodeBatch;  // boxes per decoder call at most

  m.def("longest_side_extent",
        [](int h, int w, int target) {
          auto e = longest_side_extent(h, w, target);
          return py::make_tuple(e.h, e.w);
        },
        py::arg("h"), py::arg("w"), py::arg("target") = kFrame);

  m.def("resize_area",
        [](const py::array& image, int out_h, int out_w) {
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
        },
        py::arg("image"), py::arg("out_h"), py::arg("out_w"),
        "cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA) for uint8 images.");

  m.def("prepare_encoder_input",
        [](const py::array& image) {
          require<uint8_t>(image, "image", 2, 3);
          const int channels = image.ndim() == 3 ? as_int(image.shape(2), "channels") : 1;
          if (channels != 3 && channels != 1) throw py::value_error("image must be (H, W) or (H, W, 3)");
          py::array_t<float> out({py::ssize_t(1), py::ssize_t(3), py::ssize_t(kFrame), py::ssize_t(kFrame)});
          const auto* src = static_cast<const uint8_t*>(image.data());
          float* dst = out.mutable_data();
          const int h = as_int(image.shape(0), "height"), w = as_int(image.shape(1), "width");
          Extent e;
          {
            py::gil_scoped_release release;
            std::vector<uint8_t> scratch;
            e = prepare_encoder_input(src, h, w, channels, static_cast<int64_t>(w) * channels, dst, scratch);
          }
          return py::make_tuple(out, py::make_tuple(e.h, e.w));
        },
        py::arg("image"),
        "Encoder input (1,3,256,256) float32 and the resized (h, w) for a uint8 image.");

  m.def("box_to_frame",
        [](double x0, double y0, double x1, double y1, int h, int w) {
          const Box b = box_to_frame(x0, y0, x1, y1, h, w);
          return py::make_tuple(b.x0, b.y0, b.x1, b.y1);
        },
        py::arg("x0"), py::arg("y0"), py::arg("x1"), py::arg("y1"), py::arg("h"), py::arg("w"));

  m.def("logits_to_mask",
        [](const py::array& logits, int resized_h, int resized_w, int h, int w) {
          require<float>(logits, "logits", 2, 2);
          if (logits.shape(0) != kFrame || logits.shape(1) != kFrame) {
            throw py::value_error("logits must be (256, 256)");
          }
          if (resized_h < 1 || resized_h > kFrame || resized_w < 1 || resized_w > kFrame || h < 1 || w < 1) {
            throw py::value_error("sizes out of range");
          }
          py::array_t<uint8_t> out({h, w});
          const float* src = static_cast<const float*>(logits.data());
          uint8_t* dst = out.mutable_data();
          py::gil_scoped_release release;
          logits_to_mask(src, Extent{resized_h, resized_w}, h, w, dst, MaskRegion::whole(h, w));
          return out;
        },
        py::arg("logits"), py::arg("resized_h"), py::arg("resized_w"), py::arg("h"), py::arg("w"));

  m.def("propagation_box",
        [](const py::array& mask, uint8_t label_value, int margin) -> py::object {
          require<uint8_t>(mask, "mask", 2, 2);
          const int h = as_int(mask.shape(0), "height"), w = as_int(mask.shape(1), "width");
          std::vector<uint8_t> scratch;
          const auto b = propagation_box(static_cast<const uint8_t*>(mask.data()), h, w,
                                         longest_side_extent(h, w, kFrame), label_value, margin, scratch);
          if (!b) return py::none();
          return py::make_tuple(b->x0, b->y0, b->x1, b->y1);
        },
        py::arg("mask"), py::arg("label_value"), py::arg("margin"),
        "Prompt box (256 frame) derived from a slice mask, or None when it vanishes at 256.");

  m.def("evaluate_labels", &evaluate_labels, py::arg("gt"), py::arg("seg"), py::arg("labels"),
        py::arg("spacing"), py::arg("area_table"), py::arg("tolerance"), py::arg("threads"),
        py::arg("nsd") = true,
        "Voxel counts (gt, seg, both) and, with nsd, the surface Dice of each label.");

  m.def("majority_vote",
        [](const py::array& a, const py::array& b, const py::array& c, py::array& out) {
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
        },
        py::arg("a"), py::arg("b"), py::arg("c"), py::arg("out"),
        "Per-voxel majority of three label volumes; the smallest label where all differ.");

  m.def("window_to_uint8",
        [](const py::array& volume, double lo, double hi, bool zero_stays_zero) {
          if (!(volume.flags() & py::array::c_style)) throw py::value_error("volume must be C-contiguous");
          if (!(lo <= hi)) throw py::value_error("window: lo must not exceed hi");
          py::array_t<uint8_t> out(std::vector<py::ssize_t>(volume.shape(), volume.shape() + volume.ndim()));
          uint8_t* o = out.mutable_data();
          const int64_t n = volume.size();
          with_intensity_type(volume, [&](auto* p) {
            py::gil_scoped_release release;
            window_to_uint8(p, n, lo, hi, zero_stays_zero, o);
            return 0;
          });
          return out;
        },
        py::arg("volume"), py::arg("lo"), py::arg("hi"), py::arg("zero_stays_zero") = false);
  m.def("nonzero_percentiles",
        [](const py::array& volume, double p_lo, double p_hi) -> py::object {
          if (!(volume.flags() & py::array::c_style)) throw py::value_error("volume must be C-contiguous");
          if (!(0 <= p_lo && p_lo <= p_hi && p_hi <= 100)) throw py::value_error("percentiles must satisfy 0 <= lo <= hi <= 100");
          double lo = 0, hi = 0;
          const int64_t n = volume.size();
          const bool found = with_intensity_type(volume, [&](auto* p) {
            py::gil_scoped_release release;
            return nonzero_percentiles(p, n, p_lo, p_hi, lo, hi);
          });
          if (!found) return py::none();
          return py::make_tuple(lo, hi);
        },
        py::arg("volume"), py::arg("p_lo"), py::arg("p_hi"));

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
           py::arg("margin") = 3, py::arg("max_cached") = 64);
  bind_efficientsam(m);
}
