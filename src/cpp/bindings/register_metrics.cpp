// The metrics' entry point: both label volumes checked and viewed in place, counts and
// surface Dice computed with the GIL released, the results returned as lists.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "bindings/register.hpp"
#include "metrics/metrics.hpp"

namespace medsam {
namespace bind {

namespace py = pybind11;

namespace {

LabelVolume label_volume(const py::array& a, const char* name) {
  if (a.ndim() != 3) throw py::value_error(std::string(name) + " must be 3-dimensional here");
  const char kind = a.dtype().kind();
  if (kind != 'u' && kind != 'i')
    throw py::type_error(std::string(name) + " must hold integer labels");
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(name) + " must be C-contiguous");
  const int size = static_cast<int>(a.itemsize());
  if (size != 1 && size != 2 && size != 4 && size != 8)
    throw py::type_error("unsupported label width");
  return {a.data(), size, {a.shape(0), a.shape(1), a.shape(2)}};
}

py::dict evaluate_labels(const py::array& gt, const py::array& seg,
                         const std::vector<int64_t>& labels, const std::array<double, 3>& spacing,
                         const std::vector<double>& table, double tolerance, int threads,
                         bool nsd) {
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
  // A repeated id would get its counts in only one of its slots (which one depends on the
  // label lookup), and the others would read as absent.
  std::vector<int64_t> sorted_labels(labels);
  std::sort(sorted_labels.begin(), sorted_labels.end());
  if (std::adjacent_find(sorted_labels.begin(), sorted_labels.end()) != sorted_labels.end()) {
    throw py::value_error("labels must be distinct");
  }
  std::array<double, 256> areas;
  std::copy(table.begin(), table.end(), areas.begin());
  std::vector<LabelCounts> counts;
  std::vector<double> nsd_values;
  {
    py::gil_scoped_release release;
    counts = count_labels(g, s, labels);
    if (nsd)
      nsd_values = surface_dice_labels(g, s, labels, counts, spacing, areas, tolerance, threads);
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

}  // namespace

void register_metrics(py::module_& m) {
  m.def("evaluate_labels", &evaluate_labels, py::arg("gt"), py::arg("seg"), py::arg("labels"),
        py::arg("spacing"), py::arg("area_table"), py::arg("tolerance"), py::arg("threads"),
        py::arg("nsd") = true,
        "Voxel counts (gt, seg, both) and, with nsd, the surface Dice of each label.");
}

}  // namespace bind
}  // namespace medsam
