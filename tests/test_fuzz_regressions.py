"""Replays the fuzz target (tests/fuzz_core.py) on a seeded corpus and on the inputs the
fuzzer once failed on (tests/fuzz_regressions/): no input may crash, break an invariant
or raise anything but an entry point's documented error; and the corpus must mostly
reach the computation, not stop at the argument checks."""

from pathlib import Path

import numpy as np
import pytest

import fuzz_core
from fuzz_core import one_input

FINDINGS = Path(__file__).parent / "fuzz_regressions"
# Each stored finding: the entry point it reaches, and the error it must now end in
# (None: it must complete, with the invariants holding).
REGRESSIONS = {
    # A corrupted deflate stream raised zlib.error out of load_case.
    "npz_damaged_deflate_stream.bin": ("npz", "not a readable npz (error:"),
    # A label map holding id 1332296949: scoring 1..gt.max() allocated a counter per id.
    "metrics_huge_label_id.bin": ("metrics", "label ids above"),
    # labels=[7, 5, 5, 2**40]: with a huge id the core looked labels up by sorted search and
    # counted a repeated id in its first slot, so label 5 read as absent (NaN).
    "metrics_repeated_label_beside_an_absent_huge_one.bin": ("metrics", None),
    # propagation_box took margin -1 and returned a box with x1 = -1.
    "propagation_negative_margin.bin": ("propagation", "margin must be in [0, 256]"),
    # Two +inf voxels made the percentiles NaN (inf - inf in the lerp), as numpy's do.
    "percentiles_infinite_voxels.bin": ("percentiles", None),
    # NaN voxels were cast to uint8 (undefined; the sanitizer build aborts on it).
    "window_nan_voxels.bin": ("window", None),
}

# The corpus's shares, measured when the target was written: 92% of the 1,500 inputs
# reach the computation, every entry point at least 67% (the npz reader: 67% return a
# case, the rest mostly a corrupted file or a spoiled key; 90%+ get past the zip check).
MIN_REACHED = 0.85
MIN_REACHED_PER_ENTRY_POINT = 0.6
MIN_PAST_ZIP_CHECK = 0.8


def test_a_huge_label_id_is_refused_not_allocated():
    from medsam_fast import metrics

    gt = np.zeros((2, 3, 4), np.int32)
    gt[0, 0, 0] = 190253911
    with pytest.raises(ValueError, match="label ids above"):
        metrics.dsc(gt, gt)
    assert np.isnan(metrics.nsd(gt, gt, labels=[2**40]).per_label[2**40])


def test_a_repeated_label_is_scored_once_and_the_core_refuses_repeats():
    from medsam_fast import _core, metrics

    gt = np.array([[2, 1], [2, 0]], np.uint8)
    scores = metrics.dsc(gt, gt, labels=[1, 2, 2, 2**40]).per_label
    assert list(scores) == [1, 2, 2**40] and scores[1] == scores[2] == 1.0
    with pytest.raises(ValueError, match="labels must be distinct"):
        _core.evaluate_labels(gt[..., None], gt[..., None], [2, 2], [1.0] * 3, [0.0] * 256, 1.0, 1)


@pytest.fixture(scope="module")
def pipeline(segmenter):
    fuzz_core.configure_pipeline(segmenter.files.directory)
    yield
    fuzz_core.PIPELINE.clear()


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_stored_finding_ends_in_its_documented_outcome(name, pipeline):
    entry_point, error = REGRESSIONS[name]
    fuzz_core.STATS.clear()
    fuzz_core.LAST_REJECTION.clear()
    one_input((FINDINGS / name).read_bytes())
    outcome = "rejected" if error else "reached"
    assert fuzz_core.STATS[entry_point][outcome] == 1, dict(fuzz_core.STATS)
    if error:
        assert fuzz_core.LAST_REJECTION[0] == entry_point
        assert error in fuzz_core.LAST_REJECTION[1], fuzz_core.LAST_REJECTION


def test_every_stored_finding_is_listed():
    assert sorted(p.name for p in FINDINGS.iterdir()) == sorted(REGRESSIONS)


def test_fuzz_corpus_reaches_the_computation_and_raises_only_clear_errors(pipeline):
    rng = np.random.default_rng(2026)
    fuzz_core.STATS.clear()
    for _ in range(1500):
        one_input(rng.bytes(int(rng.integers(0, 600))))
    stats = fuzz_core.STATS
    print(fuzz_core.summary())
    assert set(stats) == {t.__name__.lstrip("_") for t in fuzz_core.TARGETS}
    total = sum(s["reached"] + s["rejected"] for s in stats.values())
    assert total == 1500
    assert sum(s["reached"] for s in stats.values()) >= MIN_REACHED * total
    for name, s in stats.items():
        assert s["reached"] >= MIN_REACHED_PER_ENTRY_POINT * (s["reached"] + s["rejected"]), name
        # The invalid-argument branch is exercised too (box_to_frame has none).
        assert s["rejected"] > 0 or name == "box_to_frame", name
    npz = stats["npz"]
    assert npz["past zip check"] >= MIN_PAST_ZIP_CHECK * (npz["reached"] + npz["rejected"])
