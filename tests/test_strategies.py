"""Routing by modality, the 3D strategies in the C++ core, and user strategy tables."""

import numpy as np
import pytest

from medsam_fast import Segmenter, _core
from medsam_fast.cli import main
from medsam_fast.segmentation import routing
from reference_pipeline import majority_vote, per_label_dice


@pytest.fixture(scope="module")
def seed_segmenter():
    return Segmenter(strategy="seed", threads=2)


@pytest.mark.parametrize(
    "name,mode,margin",
    [
        ("3DBox_CT_liver.npz", "propagate", 7),
        ("3DBox_MR_brain.npz", "propagate", 7),
        ("3DBox_PET_lesion.npz", "three_view", 3),
        ("3DBox_US_heart.npz", "box_every_slice", 3),
        ("3DBox_Microscopy_cells.npz", "box_every_slice", 3),
    ],
)
def test_seed_table_routes_by_file_name(name, mode, margin):
    from medsam_fast.io.cases import modality_from_name

    modality = modality_from_name(name)
    chosen = routing.PER_MODALITY.for_modality(modality)
    assert (chosen.mode_3d, chosen.margin) == (mode, margin)
    # Microscopy names EfficientSAM first; 3D cases (which it cannot segment) fall back.
    assert "litemedsam" in (chosen.model, chosen.fallback)


def test_baseline_propagates_every_modality_with_3_px():
    for modality in ("CT", "PET", "US", None):
        assert routing.BASELINE.for_modality(modality) == routing.Route(
            "litemedsam", "propagate", 3
        )


def test_a_toml_table_overrides_and_inherits_its_default(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[default]\nmode_3d = "box_every_slice"\nmargin = 5\n\n'
        '[modality.PET]\nmode_3d = "propagate"\n\n[modality.Microscope]\nmargin = 9\n'
    )
    table = routing.load_table(str(path))
    assert table.for_modality("pet") == routing.Route("litemedsam", "propagate", 5)
    assert table.for_modality("pet").fallback is None
    assert table.for_modality("Microscopy").margin == 9
    assert table.for_modality("CT") == routing.Route("litemedsam", "box_every_slice", 5)


@pytest.mark.parametrize(
    "text,problem",
    [
        ('[default]\nmode = "x"\n', "unknown key"),
        ('[default]\nmode_3d = "sideways"\n', "unknown 3D strategy"),
        ("[modalities.CT]\nmargin = 2\n", "unknown section"),
        ("[default\n", "not valid TOML"),
    ],
)
def test_bad_strategy_tables_are_refused_with_the_reason(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        routing.load_table(str(path))


def test_strategies_command_prints_the_table(capsys):
    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    assert "three_view" in out and "pet" in out


def test_majority_vote_matches_numpy_bincount_argmax(rng):
    views = [rng.integers(0, 4, (5, 6, 7), dtype=np.uint8) for _ in range(3)]
    out = np.zeros_like(views[0])
    _core.majority_vote(*views, out)
    np.testing.assert_array_equal(out, majority_vote(views))


@pytest.fixture(scope="module")
def small_case(colin):
    """A small real crop: one box 6 slices deep in every direction, so each view encodes 6."""
    t1, _ = colin.load()
    vol = np.ascontiguousarray(t1[70:82, 80:140, 60:120])
    return vol, np.array([[20, 15, 3, 25, 20, 8]], np.float64)


@pytest.mark.slow
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_box_every_slice_along_an_axis_equals_2d_segmentation_of_each_slice(
    seed_segmenter, small_case, axis
):
    vol, boxes = small_case
    out = np.zeros(vol.shape, np.uint8)
    stats = seed_segmenter.model.segment_slices(vol, boxes, out, axis)
    x0, y0, z0, x1, y1, z1 = boxes[0]
    view = np.moveaxis(vol, axis, 0)
    box2d = {0: [x0, y0, x1, y1], 1: [x0, z0, x1, z1], 2: [y0, z0, y1, z1]}[axis]
    first, last = {0: (z0, z1), 1: (y0, y1), 2: (x0, x1)}[axis]
    expected = np.zeros(view.shape, np.uint8)
    for i in range(int(first), int(last) + 1):
        expected[i] = seed_segmenter.segment_2d(np.ascontiguousarray(view[i]), [box2d])
    np.testing.assert_array_equal(out, np.moveaxis(expected, 0, axis))
    assert stats["slices_encoded"] == int(last - first) + 1


@pytest.mark.slow
def test_three_view_votes_the_three_box_every_slice_passes(seed_segmenter, small_case):
    vol, boxes = small_case
    segs = seed_segmenter.segment_3d(vol, boxes, modality="PET")
    assert seed_segmenter.last_stats["strategy"] == "three_view"
    assert seed_segmenter.last_stats["slices_encoded"] == 18
    views = []
    for axis in range(3):
        out = np.zeros(vol.shape, np.uint8)
        seed_segmenter.model.segment_slices(vol, boxes, out, axis)
        views.append(out)
    stacked = np.stack(views, axis=-1)
    expected = (stacked.sum(axis=-1) >= 2).astype(np.uint8)  # one label: 2 of 3 views
    np.testing.assert_array_equal(segs, expected)


@pytest.mark.slow
def test_each_strategy_on_a_real_mr_case(seed_segmenter, colin):
    """DSC against the atlas for every 3D strategy on the pallidum case (floors set a
    little under the values seen when this test was written)."""
    case = colin.case_3d((75, 76))
    # propagate (7 px), box on every slice, three views; seen 0.283, 0.440, 0.398
    floors = {"CT": 0.260, "US": 0.417, "PET": 0.370}
    seen = {}
    for modality, floor in floors.items():
        segs = seed_segmenter.segment(case, modality=modality)
        seen[modality] = float(np.mean(per_label_dice(case["gts"], segs, 2)))
        assert seen[modality] >= floor, seen


@pytest.fixture(scope="module")
def itk_brain():
    from realdata import itk_t1

    return itk_t1


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,strategy,floor",
    [
        # floors a little under the DSC seen when this test was written (0.838, 0.845)
        ("3DBox_CT_itk-brain.npz", "propagate", 0.80),
        ("3DBox_US_itk-brain.npz", "box_every_slice", 0.80),
    ],
)
def test_second_subject_routed_by_name_segments_the_brain(
    seed_segmenter, itk_brain, tmp_path, name, strategy, floor
):
    """ITK's T1 with its skull-strip mask, nine middle coronal slices, saved under a
    challenge name: the seed table picks the strategy from the name alone."""
    case = itk_brain.case_3d()
    imgs, gts = case["imgs"][26:35], case["gts"][26:35]
    box = case["boxes"][0].copy()
    box[2], box[5] = 0, 8
    path = tmp_path / name
    np.savez(path, imgs=imgs, boxes=box[None], spacing=case["spacing"])
    segs = seed_segmenter.segment(str(path))
    assert seed_segmenter.last_stats["strategy"] == strategy
    assert seed_segmenter.last_stats["slices_encoded"] == 9
    dsc = per_label_dice(gts, segs, 1)[0]
    assert dsc >= floor, dsc


def test_second_subject_2d_xray_name_falls_back_to_litemedsam(seed_segmenter, itk_brain, tmp_path):
    case = itk_brain.case_2d()
    path = tmp_path / "2DBox_XRay_itk-brain.npz"
    np.savez(path, imgs=case["imgs"], boxes=case["boxes"])
    segs = seed_segmenter.segment(str(path))
    if seed_segmenter.last_stats["model"] != "litemedsam":
        pytest.skip("an EfficientSAM model is converted in this MEDSAM_FAST_HOME")
    assert per_label_dice(case["gts"], segs, 1)[0] >= 0.7  # seen 0.754
