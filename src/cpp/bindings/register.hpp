// The areas of the _core module: each register_<area> adds that area's functions, classes
// and constants to the module; module.cpp calls them all.
#pragma once
#include <pybind11/pybind11.h>

namespace medsam {
namespace bind {

// Exceptions, loading ONNX Runtime and OpenVINO, and the build's constants.
void register_engine(pybind11::module_& m);
// Resizing, LiteMedSAM's encoder input, boxes and masks between image and 256 frame,
// torch-style resampling.
void register_image(pybind11::module_& m);
// Windowing and percentiles of raw volumes.
void register_intensity(pybind11::module_& m);
// Per-label voxel counts and surface Dice.
void register_metrics(pybind11::module_& m);
// The LiteMedSAMModel class and the three-view majority vote.
void register_litemedsam(pybind11::module_& m);
// The EfficientSAMModel class, its encoder input and its point prompts.
void register_efficientsam(pybind11::module_& m);

}  // namespace bind
}  // namespace medsam
