"""The C++ core's layout rules (src/cpp): rooms by role with a core/binding boundary.

Only src/cpp/bindings/ may see Python; no file grows past 300 lines; every core source
is built into the medsam_core library (a file left out of CMakeLists.txt would otherwise
only show up as a link error, or not at all).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPP = ROOT / "src" / "cpp"
BINDINGS = CPP / "bindings"
MAX_LINES = 300

pytestmark = pytest.mark.skipif(not CPP.is_dir(), reason="needs the source tree (src/cpp)")


def sources():
    return sorted(p for p in CPP.rglob("*") if p.is_file())


def core_sources():
    return [p for p in sources() if BINDINGS not in p.parents]


def test_only_the_bindings_include_pybind11_or_python():
    python_include = re.compile(r'^\s*#\s*include\s*[<"](pybind11/[^>"]*|Python\.h)[>"]', re.M)
    offenders = [
        str(p.relative_to(CPP))
        for p in core_sources()
        if python_include.search(p.read_text(errors="replace"))
    ]
    assert offenders == [], (
        f"outside src/cpp/bindings, these include pybind11 or Python.h: {offenders}"
    )


def test_no_source_file_is_over_300_lines():
    long = {
        str(p.relative_to(CPP)): n
        for p in sources()
        if (n := len(p.read_text(errors="replace").splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these (over {MAX_LINES} lines): {long}"


def _core_library_sources() -> set[str]:
    cmake = (ROOT / "CMakeLists.txt").read_text()
    block = re.search(r"add_library\(\s*medsam_core\b(.*?)\)", cmake, re.S)
    assert block, "CMakeLists.txt has no add_library(medsam_core ...)"
    return set(re.findall(r"src/cpp/\S+\.cpp", block.group(1)))


def test_every_core_source_is_in_the_core_library():
    listed = _core_library_sources()
    on_disk = {p.relative_to(ROOT).as_posix() for p in core_sources() if p.suffix == ".cpp"}
    assert on_disk - listed == set(), "add these to medsam_core in CMakeLists.txt"
    assert listed - on_disk == set(), "CMakeLists.txt lists files that do not exist"


def test_every_file_lives_in_a_room():
    rooms = {"engine", "models", "image", "segment", "metrics", "bindings"}
    loose = [str(p.relative_to(CPP)) for p in sources() if p.relative_to(CPP).parts[0] not in rooms]
    assert loose == [], f"files outside src/cpp/{{{','.join(sorted(rooms))}}}: {loose}"


def test_includes_are_written_from_src_cpp():
    rooms = ("engine/", "models/", "image/", "segment/", "metrics/", "bindings/")
    bad = []
    for p in sources():
        for include in re.findall(
            r'^\s*#\s*include\s*"([^"]+)"', p.read_text(errors="replace"), re.M
        ):
            if not include.startswith(rooms) or not (CPP / include).is_file():
                bad.append(f"{p.relative_to(CPP)}: {include}")
    assert bad == [], f"quoted includes must name a file under src/cpp from there: {bad}"
