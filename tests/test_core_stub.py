"""python/medsam_fast/_core.pyi describes the built _core module.

mypy's stubtest compares the stub's names, classes and constants with the runtime module.
pybind11 functions carry no inspectable signature, so stubtest cannot compare their
parameters; the second test compares each stubbed function's parameter names and
defaults with the signature line pybind11 writes at the top of its docstring.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import medsam_fast

# The stub beside the module under test: the source tree's, or the installed wheel's.
STUB = Path(medsam_fast.__file__).resolve().parent / "_core.pyi"
# pybind11 classes have pybind11's own metaclass, which a stub cannot name; stubtest
# still checks these classes' members one by one.
METACLASS_ONLY = ["medsam_fast._core.LiteMedSAMModel", "medsam_fast._core.EfficientSAMModel"]


@pytest.fixture(scope="module")
def core():
    return pytest.importorskip("medsam_fast._core", reason="the _core extension is not built")


def test_core_stub_matches_the_extension_module(tmp_path, core):
    pytest.importorskip("mypy.stubtest", reason="mypy is not installed (pip install mypy)")
    # Only the stub, in a package of its own: stubtest checks _core, not the Python modules
    # beside it (the installed package has no py.typed, so mypy would not read it there).
    package = tmp_path / "stubs" / "medsam_fast"
    package.mkdir(parents=True)
    (package / "__init__.pyi").write_text("")
    shutil.copy(STUB, package / "_core.pyi")
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("\n".join(METACLASS_ONLY) + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "medsam_fast._core",
            "--mypy-config-file",
            os.devnull,
            "--allowlist",
            str(allowlist),
        ],
        cwd=tmp_path,
        env=dict(os.environ, MYPYPATH=str(tmp_path / "stubs")),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [p.strip() for p in parts + [current] if p.strip()]


def _runtime_parameters(obj) -> list[tuple[str, object]]:
    """(name, default) from pybind11's 'name(a: T, b: T = 3) -> R' docstring line."""
    first = obj.__doc__.lstrip().splitlines()[0]
    inside = first[first.index("(") + 1 : first.rindex(") ->")]
    params = []
    for part in _split_top_level(inside):
        name, _, rest = part.partition(":")
        default = rest.split("=", 1)[1].strip() if "=" in rest else None
        params.append((name.strip(), None if default is None else ast.literal_eval(default)))
    return params


def _stub_parameters(node: ast.FunctionDef) -> list[tuple[str, object]]:
    args = node.args.args
    defaults = [None] * (len(args) - len(node.args.defaults)) + [
        ast.literal_eval(d) for d in node.args.defaults
    ]
    return [(a.arg, d) for a, d in zip(args, defaults, strict=True)]


def _stubbed_functions():
    tree = ast.parse(STUB.read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield (node.name,), node
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    yield (node.name, member.name), member


def test_core_stub_parameters_match_pybind11_signatures(core):
    mismatches = []
    checked = 0
    for path, node in _stubbed_functions():
        obj = core
        for part in path:
            obj = getattr(obj, part)
        runtime = _runtime_parameters(obj)
        stub = _stub_parameters(node)
        if len(path) == 2:
            runtime = runtime[1:]  # pybind11 names self with its type
            stub = stub[1:]
        if runtime != stub:
            mismatches.append(f"{'.'.join(path)}: stub {stub}, module {runtime}")
        checked += 1
    assert checked >= 20
    assert mismatches == [], "\n".join(mismatches)
