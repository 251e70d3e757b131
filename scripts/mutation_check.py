#!/usr/bin/env python3
"""Mutation check: do the tests notice when a rule is broken?

Each mutant is one scripted text replacement in one source file.  The script copies the
tree (tracked and untracked, not ignored files) into a work folder, never touching the
working tree, and builds the C++ core there with CMake, once, into a build folder of its
own.  Then, for each mutant, it restores the pristine copy, applies the replacement,
rebuilds (incrementally: a C++ mutant recompiles one file and relinks, a Python mutant
builds nothing), and runs the fast tests (``pytest -m "not slow"``) from the copy against
the mutated package, which it puts first on PYTHONPATH.  The rest of the environment (numpy,
onnxruntime, the converted model in $MEDSAM_FAST_HOME) is the running interpreter's.

Each mutant names the test files aimed at the rule it breaks.  Those run first; only if
they all pass does the whole fast suite run, so a mutant is SURVIVED only when every fast
test passes, and KILLED as soon as one fails.  A kill counts only once the tests that made
it pass again on the unmutated copy (restored and rebuilt): a test that fails anyway proves
nothing.  ``--whole-suite`` skips the aim and runs the fast suite in its own order for
every mutant: the way to find the first file that kills a new mutant.

The exit code is 1 if any mutant survives or a killing test also fails unmutated, else 0.

    python scripts/mutation_check.py                 # every mutant, fast tests
    python scripts/mutation_check.py --slow          # also the slow tests
    python scripts/mutation_check.py --only dsc_rule --only label_order_2d
    python scripts/mutation_check.py --whole-suite   # every fast test for every mutant
    python scripts/mutation_check.py --list

Needs CMake, a C++ compiler and pybind11 (``pip install pybind11``) in the interpreter
that runs it; the build itself is the project's CMakeLists.txt.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # relative to the repository root
    old: str  # must occur exactly once in the file
    new: str
    why: str
    aimed: tuple[str, ...]  # test files that should kill it, run before the whole suite

    @property
    def is_cpp(self) -> bool:
        return self.path.startswith("src/")


MUTANTS = [
    Mutant(
        "decode_batch_offset",
        "src/cpp/segment/batch_decode.cpp",
        "decode_chunk(model, embedding, &boxes[first], count, logits.data())",
        "decode_chunk(model, embedding, &boxes[first > 0 ? first - 1 : 0], count, logits.data())",
        "every batch after the first decodes the boxes one place too early",
        aimed=("tests/test_api.py",),
    ),
    Mutant(
        "decode_split_offset",
        "src/cpp/segment/batch_decode.cpp",
        "logits + split * kLogitElements",
        "logits + (split - 1) * kLogitElements",
        "the helper thread's half of a batch overwrites the other half's last logits",
        aimed=("tests/test_api.py",),
    ),
    Mutant(
        "label_order_2d",
        "src/cpp/image/masks.hpp",
        "if (mask[row + x]) out[row + x] = label;",
        "if (mask[row + x] && out[row + x] == 0) out[row + x] = label;",
        "2D: the earlier box wins where boxes overlap",
        aimed=("tests/test_api.py",),
    ),
    Mutant(
        "label_value_2d",
        "src/cpp/segment/segment_2d.cpp",
        "static_cast<Label>(i + 1)",
        "static_cast<Label>(i + 2)",
        "2D: box i gets label i + 2",
        aimed=("tests/test_api.py",),
    ),
    Mutant(
        "label_order_3d",
        "src/cpp/image/masks.hpp",
        "if (mask[i] && out[i] < label) out[i] = label;",
        "if (mask[i] && (out[i] == 0 || out[i] > label)) out[i] = label;",
        "3D propagation: the earlier box wins where boxes overlap",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "resize_rounding",
        "src/cpp/image/resize.cpp",
        "d[i] = to_uint8(std::lrint(acc[i]));",
        "d[i] = to_uint8(static_cast<long>(acc[i]));",
        "INTER_AREA shrinking truncates instead of rounding",
        aimed=("tests/test_preprocess.py",),
    ),
    Mutant(
        "resize_half_up",
        "src/cpp/image/resize.cpp",
        "to_uint8(std::lrint(static_cast<float>(sum) * inv_area))",
        "to_uint8(static_cast<long>(static_cast<float>(sum) * inv_area + 0.5f))",
        "INTER_AREA block shrinking rounds half up instead of half to even",
        aimed=("tests/test_resize.py",),
    ),
    Mutant(
        "margin_ignored",
        "src/cpp/segment/propagate_3d.cpp",
        "walk_boxes(PassModels{runner, model}, volume, settings.margin, steps",
        "walk_boxes(PassModels{runner, model}, volume, 0, steps",
        "3D propagation ignores the margin",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "helper_idle_ignored",
        "src/cpp/segment/propagate_3d.cpp",
        "cache.helper_idle() ? models.alone : models.beside_helper",
        "models.beside_helper",
        "the 3D pass decodes on the half-threaded sessions even when the helper is idle",
        aimed=("tests/test_walk_schedule.py",),
    ),
    Mutant(
        "eviction_nearest",
        "src/cpp/segment/embedding_cache.cpp",
        "if (victim == entries_.end() || use > victim_use) {",
        "if (victim == entries_.end() || use < victim_use) {",
        "a full embedding cache gives up the slice needed soonest, not furthest ahead",
        aimed=("tests/test_walk_schedule.py",),
    ),
    Mutant(
        "small_box_summed",
        "src/cpp/segment/confident_prompts.cpp",
        "for (int64_t p = 0; p < kLogitElements; ++p) logits[p] /= count;",
        "(void)count;",
        "a small box's two jittered prompts are summed, not averaged",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "area_guard_off",
        "src/cpp/segment/confident_prompts.cpp",
        "return previous_area <= 0 ||",
        "return true ||",
        "a large box keeps its most confident candidate even when its mask's area jumps",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "walk_up_area_lost",
        "src/cpp/segment/box_walk.hpp",
        "      area_ = mid_area_;",
        "      (void)mid_area_;",
        "the walk up compares its first slice's area with the walk down's last slice",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "smoothing_off",
        "src/cpp/segment/neighbour_smoothing.hpp",
        "constexpr float kNeighbourWeight = 0.5f;",
        "constexpr float kNeighbourWeight = 0.0f;",
        "each slice's mask is cut from its own logits, not smoothed along z",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "smoothing_outside_zero",
        "src/cpp/segment/neighbour_smoothing.hpp",
        "constexpr float kOutsideLogit = -4.0f;",
        "constexpr float kOutsideLogit = 0.0f;",
        "a neighbour beyond the box counts as logit 0, not as absent",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "smoothing_above_twice",
        "src/cpp/segment/neighbour_smoothing.cpp",
        "(below ? below[p] : kOutsideLogit)",
        "(above ? above[p] : kOutsideLogit)",
        "a slice's smoothed logits take the slice above in place of the slice below",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "margin_plus_one",
        "src/cpp/image/masks.cpp",
        "std::min(kFrame, v + margin)",
        "std::min(kFrame, v + margin + 1)",
        "the propagation box grows one pixel too far at its high end",
        aimed=("tests/test_confidence_strategy.py",),
    ),
    Mutant(
        "dsc_rule",
        "python/medsam_fast/evaluation/metrics.py",
        "if not case_dsc > 0.2:",
        "if not case_dsc >= 0.0:",
        "NSD counted whatever the DSC (the challenge's DSC > 0.2 rule removed)",
        aimed=("tests/test_metrics.py",),
    ),
    Mutant(
        "dsc_rule_boundary",
        "python/medsam_fast/evaluation/metrics.py",
        "if not case_dsc > 0.2:",
        "if not case_dsc >= 0.2:",
        "NSD counted at DSC == 0.2 exactly",
        aimed=("tests/test_metrics.py",),
    ),
    Mutant(
        "modality_folding",
        "python/medsam_fast/segmentation/routing.py",
        'key = modality.strip().lower().replace("_", "-")',
        "key = modality.strip()",
        "modalities no longer fold case, so 3DBox_CT_x.npz misses the table's 'ct' route",
        aimed=("tests/test_strategies.py",),
    ),
    Mutant(
        "box_bounds_off_by_one",
        "python/medsam_fast/io/cases.py",
        "np.any(lo > extent - 1, axis=1)",
        "np.any(lo > extent, axis=1)",
        "a box starting one pixel past the image is accepted",
        aimed=("tests/test_cases.py",),
    ),
    Mutant(
        "margin_override_ignored",
        "python/medsam_fast/segmentation/segmenter.py",
        "return chosen if self.margin is None else replace(chosen, margin=self.margin)",
        "return chosen",
        "Segmenter(margin=...) / --margin no longer overrides the table",
        aimed=("tests/test_propagation.py",),
    ),
]


def copy_tree(dest: Path) -> None:
    """The working tree as it is (tracked and untracked files, not ignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = Path(os.fsdecode(raw))
        src = ROOT / rel
        if not src.is_file():  # deleted but not yet committed
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def apply(mutant: Mutant, tree: Path) -> str:
    """Mutates the copy; returns the file's text before, for restore()."""
    path = tree / mutant.path
    text = path.read_text()
    count = text.count(mutant.old)
    if count != 1:
        raise SystemExit(
            f"mutant {mutant.name}: {mutant.old!r} occurs {count} times in {mutant.path} "
            "(expected exactly once); update the mutant to the refactored code"
        )
    path.write_text(text.replace(mutant.old, mutant.new))
    return text


def restore(mutant: Mutant, tree: Path, pristine: str) -> None:
    # From the copy's own text, not the working tree, which may have changed since the
    # copy was made; the write gives a fresh mtime, so the build sees the change back.
    (tree / mutant.path).write_text(pristine)


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, text=True, capture_output=True, **kwargs)


class Build:
    def __init__(self, tree: Path, build_dir: Path):
        self.tree, self.build_dir = tree, build_dir

    def configure(self) -> None:
        import pybind11

        cmd = [
            "cmake",
            "-S",
            str(self.tree),
            "-B",
            str(self.build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
        ]
        if shutil.which("ninja"):
            cmd += ["-G", "Ninja"]
        self._check(run(cmd), "configure")

    def build(self) -> None:
        jobs = str(os.cpu_count() or 1)
        self._check(
            run(["cmake", "--build", str(self.build_dir), "--target", "_core", "-j", jobs]),
            "build",
        )
        built = sorted(self.build_dir.glob("_core*.so")) + sorted(self.build_dir.glob("_core*.pyd"))
        if not built:
            raise SystemExit(f"no _core module in {self.build_dir}")
        package = self.tree / "python" / "medsam_fast"
        for old in package.glob("_core*.so"):
            old.unlink()
        shutil.copy2(built[0], package / built[0].name)

    @staticmethod
    def _check(result, step) -> None:
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            raise SystemExit(f"CMake {step} failed")


FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def run_tests(
    tree: Path, slow: bool, fail_fast: bool, extra: list[str]
) -> tuple[bool, list[str], float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(tree / "python"), *filter(None, [env.get("PYTHONPATH")])]
    )
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"]
    if not slow:
        cmd += ["-m", "not slow"]
    if fail_fast:
        cmd += ["-x"]
    cmd += extra
    started = time.perf_counter()
    result = run(cmd, cwd=tree, env=env)
    seconds = time.perf_counter() - started
    failed = FAILED_TEST.findall(result.stdout)
    if result.returncode not in (0, 1):  # collection errors, crashes: killed, but say so
        failed = failed or [f"pytest exit code {result.returncode}"]
    return result.returncode == 0, failed, seconds


def aiming(args) -> bool:
    """Whether mutants run their aimed files first: not when told what to run instead."""
    return not (args.pytest_args or args.whole_suite)


def try_to_kill(mutant: Mutant, tree: Path, args) -> tuple[bool, list[str], float, list[str]]:
    """(tests passed, the failures, seconds, the pytest arguments of the last run): the
    aimed files, then every fast test."""
    fail_fast = not args.all_failures
    if not aiming(args):
        return (*run_tests(tree, args.slow, fail_fast, args.pytest_args), args.pytest_args)
    aimed = list(mutant.aimed)
    ok, failed, seconds = run_tests(tree, args.slow, fail_fast, aimed)
    if not ok:
        return ok, failed, seconds, aimed
    # The aim missed; a survivor must still pass everything.
    ok, failed, more = run_tests(tree, args.slow, fail_fast, [])
    return ok, failed, seconds + more, []


def kill_stands(
    tree: Path, args, failed: list[str], ran: list[str], passing: set[str]
) -> tuple[bool, float]:
    """(whether the tests that killed a mutant pass on the unmutated copy, seconds).  A
    crash names no test: then the whole run that crashed must pass.  ``passing`` holds
    the tests already seen passing unmutated, which are not run again: the copy is
    restored to the same text after every mutant.  Updated in place."""
    tests = [t for t in failed if not t.startswith("pytest exit code")] or ran
    to_run = [t for t in tests if t not in passing]
    if tests and not to_run:
        return True, 0.0
    ok, _, seconds = run_tests(tree, args.slow, False, to_run)
    if ok:
        passing.update(to_run)
    return ok, seconds


def check_import(tree: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree / "python"))
    result = run(
        [sys.executable, "-c", "import medsam_fast._core as c, sys; print(c.__file__)"],
        env=env,
        cwd=tree,
    )
    where = result.stdout.strip()
    if result.returncode != 0 or not where.startswith(str(tree)):
        raise SystemExit(f"the copy's package does not import from the copy: {where or result}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slow", action="store_true", help="also run the slow tests")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run this mutant (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--all-failures",
        action="store_true",
        help="run every test for each mutant (default: stop at the first failure)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where to copy and build (default: a temporary folder, removed afterwards)",
    )
    parser.add_argument(
        "--whole-suite",
        action="store_true",
        help="run every fast test for every mutant, not the aimed files first",
    )
    parser.add_argument(
        "--skip-confirm",
        action="store_true",
        help="do not re-run the killing tests on the unmutated copy",
    )
    parser.add_argument(
        "pytest_args",
        nargs="*",
        help="pytest arguments (after --); they replace the aimed files and the whole suite",
    )
    args = parser.parse_args(argv)

    if args.list:
        for m in MUTANTS:
            print(f"{m.name:<24}{m.path}: {m.why}")
        return 0
    names = {m.name for m in MUTANTS}
    unknown = set(args.only) - names
    if unknown:
        parser.error(f"unknown mutant(s) {sorted(unknown)}; see --list")
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only]

    # Every mutant's pattern must be in today's code, chosen or not.
    for m in MUTANTS:
        count = (ROOT / m.path).read_text().count(m.old)
        if count != 1:
            raise SystemExit(f"mutant {m.name}: pattern found {count} times in {m.path}")
        missing = [path for path in m.aimed if not (ROOT / path).is_file()]
        if missing:
            raise SystemExit(f"mutant {m.name}: aimed test files {missing} do not exist")

    started = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="medsam-mutants-"))
    work.mkdir(parents=True, exist_ok=True)
    tree, build_dir = work / "tree", work / "build"
    try:
        if tree.exists():
            shutil.rmtree(tree)
        tree.mkdir()
        copy_tree(tree)
        build = Build(tree, build_dir)
        print(f"copy in {tree}; configuring and building the core ...", flush=True)
        build.configure()
        build.build()
        check_import(tree)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)

        rows, passing_unmutated = [], set()
        for m in chosen:
            pristine = apply(m, tree)
            try:
                if m.is_cpp:
                    build.build()
                ok, failed, seconds, ran = try_to_kill(m, tree, args)
            finally:
                restore(m, tree, pristine)
                if m.is_cpp:
                    build.build()
            status = "SURVIVED" if ok else "KILLED"
            if not ok and not args.skip_confirm:
                stands, more = kill_stands(tree, args, failed, ran, passing_unmutated)
                status, seconds = ("KILLED" if stands else "UNPROVEN"), seconds + more
            rows.append((m.name, status, ", ".join(failed)))
            print(f"{m.name:<24}{status:<10}({seconds:.0f} s) {', '.join(failed)}", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'mutant':<24}{'result':<10}killed by")
    for name, status, failed in rows:
        print(f"{name:<24}{status:<10}{failed}")
    killed = sum(status == "KILLED" for _, status, _ in rows)
    elapsed = time.perf_counter() - started
    print(f"\n{killed} of {len(rows)} killed in {elapsed:.0f} s")
    unproven = [name for name, status, _ in rows if status == "UNPROVEN"]
    if unproven:
        print(f"killed by tests that also fail unmutated: {unproven}", file=sys.stderr)
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
