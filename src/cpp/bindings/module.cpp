// The _core extension module: a thin layer that checks numpy buffers, releases the GIL
// and calls the core (the medsam_core library).  Arrays are used in place; nothing is
// copied across the boundary.  Each area of the core registers its own names.
#include <pybind11/pybind11.h>

#include "bindings/register.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "medsam_fast's C++ core";
  medsam::bind::register_engine(m);
  medsam::bind::register_image(m);
  medsam::bind::register_metrics(m);
  medsam::bind::register_intensity(m);
  medsam::bind::register_litemedsam(m);
  medsam::bind::register_efficientsam(m);
}
