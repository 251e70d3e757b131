"""Reading and checking challenge npz files: every problem names the file."""

import os

import numpy as np
import pytest

from medsam_fast.io import atomic
from medsam_fast.io.atomic import write_npz_atomic
from medsam_fast.io.cases import CaseError, check_case, label_dtype, load_case


def save(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def img2d():
    return np.zeros((40, 50, 3), dtype=np.uint8)


def test_a_good_3d_case_loads_with_spacing(tmp_path):
    path = save(
        tmp_path,
        "3DBox_CT_ok.npz",
        imgs=np.zeros((4, 30, 40), np.uint8),
        boxes=np.array([[1, 2, 0, 10, 20, 3]]),
        spacing=np.array([2.0, 1.0, 1.0]),
    )
    case = load_case(path)
    assert case.is_3d and case.modality == "CT" and case.boxes.dtype == np.float64
    assert case.spacing.tolist() == [2.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "arrays,problem",
    [
        ({"boxes": np.array([[1, 2, 3, 4]])}, "missing key"),
        ({"imgs": img2d()}, "missing key"),
        ({"imgs": img2d().astype(np.float32), "boxes": np.array([[1, 2, 3, 4]])}, "must be uint8"),
        ({"imgs": img2d().astype(bool), "boxes": np.array([[1, 2, 3, 4]])}, "must be uint8"),
        ({"imgs": img2d().astype(np.int16), "boxes": np.array([[1, 2, 3, 4]])}, "must be uint8"),
        ({"imgs": np.zeros((40, 50, 4), np.uint8), "boxes": np.array([[1, 2, 3, 4]])}, "(H, W, 3)"),
        ({"imgs": img2d(), "boxes": np.array([[1, 2, 3]])}, "shape (N, 4)"),
        ({"imgs": img2d(), "boxes": np.array([[1, 2, np.nan, 4]])}, "NaN"),
        ({"imgs": img2d(), "boxes": np.array([[10, 2, 3, 4]])}, "inverted"),
        ({"imgs": img2d(), "boxes": np.array([[60, 45, 70, 48]])}, "outside the image"),
        ({"imgs": img2d(), "boxes": np.array([["a", "b", "c", "d"]])}, "numeric"),
    ],
)
def test_bad_2d_cases_get_a_specific_error_naming_the_file(tmp_path, arrays, problem):
    path = save(tmp_path, "2DBox_US_bad.npz", **arrays)
    with pytest.raises(CaseError) as err:
        load_case(path)
    assert "2DBox_US_bad.npz" in str(err.value) and problem in str(err.value)


def test_3d_box_with_z_inverted_is_refused(tmp_path):
    path = save(
        tmp_path,
        "3DBox_MR_bad.npz",
        imgs=np.zeros((4, 30, 40), np.uint8),
        boxes=np.array([[1, 2, 3, 10, 20, 1]]),
    )
    with pytest.raises(CaseError, match="inverted"):
        load_case(path)


def test_3d_name_with_2d_arrays_is_refused(tmp_path):
    path = save(tmp_path, "3DBox_MR_bad.npz", imgs=img2d(), boxes=np.array([[1, 2, 3, 4]]))
    with pytest.raises(CaseError, match="3D case needs boxes"):
        load_case(path)


def test_pickled_objects_are_refused_not_unpickled(tmp_path):
    path = tmp_path / "2DBox_X_pickle.npz"
    np.savez(path, imgs=np.array([{"a": 1}], dtype=object), boxes=np.array([[1, 2, 3, 4]]))
    with pytest.raises(CaseError, match="pickled"):
        load_case(path)


def test_truncated_and_foreign_files_are_reported(tmp_path):
    good = save(tmp_path, "2DBox_US_ok.npz", imgs=img2d(), boxes=np.array([[1, 2, 3, 4]]))
    truncated = tmp_path / "2DBox_US_truncated.npz"
    truncated.write_bytes(good.read_bytes()[:100])
    text = tmp_path / "2DBox_US_text.npz"
    text.write_text("not an npz")
    for path in (truncated, text):
        with pytest.raises(CaseError, match="not a readable npz") as err:
            load_case(path)
        assert path.name in str(err.value)


def test_labels_widen_to_uint16_above_255_boxes():
    assert label_dtype(255) == np.uint8
    assert label_dtype(256) == np.uint16


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    write_npz_atomic(tmp_path / "out.npz", segs=np.ones((3, 3), np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["out.npz"]
    with np.load(tmp_path / "out.npz") as data:
        assert data.files == ["segs"]


def test_atomic_writes_get_the_mode_a_plain_open_would(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_UMASK", 0o027)
    mask = os.umask(0o027)
    try:
        write_npz_atomic(tmp_path / "out.npz", segs=np.ones((3, 3), np.uint8))
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(mask)
    # mkstemp alone would leave 0600, unreadable to the group on shared storage.
    assert (tmp_path / "out.npz").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "plain.txt").stat().st_mode & 0o777 == 0o640


def test_an_empty_image_is_refused(tmp_path):
    path = save(
        tmp_path,
        "2DBox_US_empty.npz",
        imgs=np.zeros((0, 50, 3), np.uint8),
        boxes=np.array([[1, 2, 3, 4]]),
    )
    with pytest.raises(CaseError, match="2DBox_US_empty.npz: imgs is empty"):
        load_case(path)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_non_finite_coordinate_is_refused_with_the_box_number(tmp_path, bad):
    boxes = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [1, 2, 3, 4]], dtype=np.float64)
    boxes[1, 2] = bad
    path = save(tmp_path, "2DBox_US_inf.npz", imgs=img2d(), boxes=boxes)
    with pytest.raises(CaseError, match=r"2DBox_US_inf.npz: box 2 has a NaN or infinite"):
        load_case(path)
    boxes3 = np.array([[1, 2, 0, 10, 20, 3]] * 3, dtype=np.float64)
    boxes3[2, 5] = bad
    path = save(tmp_path, "3DBox_CT_inf.npz", imgs=np.zeros((4, 30, 40), np.uint8), boxes=boxes3)
    with pytest.raises(CaseError, match=r"3DBox_CT_inf.npz: box 3 has a NaN or infinite"):
        load_case(path)


def test_a_box_touching_the_last_pixel_is_kept_and_one_past_it_refused():
    # imgs (40, 50): the last column is x = 49, the last row y = 39.
    for box in ([49, 0, 60, 5], [0, 39, 5, 45], [-10, -10, 0, 0]):
        check_case(img2d(), np.array([box]), "2DBox_US_edge.npz")
    for box in ([50, 0, 60, 5], [0, 40, 5, 45], [-10, -10, -1, 5]):
        with pytest.raises(CaseError, match="box 1 lies outside the image"):
            check_case(img2d(), np.array([box]), "2DBox_US_edge.npz")
    volume = np.zeros((4, 30, 40), np.uint8)
    check_case(volume, np.array([[0, 0, 3, 5, 5, 9]]), "3DBox_CT_edge.npz")
    with pytest.raises(CaseError, match="box 1 lies outside the image"):
        check_case(volume, np.array([[0, 0, 4, 5, 5, 9]]), "3DBox_CT_edge.npz")
