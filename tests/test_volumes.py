"""NIfTI in, NIfTI out: boxes from files, the source geometry kept, bad files reported."""

import json

import nibabel as nib
import numpy as np
import pytest

from medsam_fast import Segmenter, intensity
from medsam_fast.cli import main
from medsam_fast.io.cases import CaseError
from medsam_fast.io.volumes import load_boxes, load_volume
from realdata import invesalius_ct
from realdata.boxes import mask_box
from realdata.colin27 import ATLAS_FILE, T1_FILE
from reference_pipeline import per_label_dice

LABELS = (75, 76)  # left and right pallidum


@pytest.fixture(scope="module")
def nifti_case(tmp_path_factory):
    """A raw (unprepared) T1 crop as big-endian int16 NIfTI with an oblique affine, and the
    pallidum boxes in its own voxel indices."""
    folder = tmp_path_factory.mktemp("nifti")
    t1 = nib.load(str(T1_FILE))
    atlas = np.asanyarray(nib.load(str(ATLAS_FILE)).dataobj)
    ks = np.nonzero(np.isin(atlas, LABELS).any(axis=(0, 1)))[0]
    k0, k1 = int(ks.min()), int(ks.max())
    raw = np.asanyarray(t1.dataobj)[:, :, k0 : k1 + 1].astype(">i2") * 4
    labels = atlas[:, :, k0 : k1 + 1]
    affine = t1.affine.copy()
    affine[:3, :3] = affine[:3, :3] @ np.diag([1.0, 1.0, 2.5])
    affine[0, 1] = 0.1  # oblique, so a lost affine shows
    path = folder / "t1.nii.gz"
    nib.save(nib.Nifti1Image(raw, affine), str(path))
    boxes = []
    for label in LABELS:
        i, j, k = np.nonzero(labels == label)
        boxes.append(
            [int(i.min()), int(j.min()), int(k.min()), int(i.max()), int(j.max()), int(k.max())]
        )
    (folder / "boxes.json").write_text(json.dumps({"boxes": boxes}))
    return folder, path, labels


@pytest.mark.slow
def test_nifti_segments_from_the_cli_and_overlays_the_input(nifti_case):
    folder, path, labels = nifti_case
    out = folder / "labels.nii.gz"
    code = main(
        [
            "segment-volume",
            str(path),
            "--boxes",
            str(folder / "boxes.json"),
            "-o",
            str(out),
            "--modality",
            "MR",
            "--threads",
            "2",
            "--quiet",
        ]
    )
    assert code == 0
    source, result = nib.load(str(path)), nib.load(str(out))
    np.testing.assert_allclose(result.affine, source.affine)
    assert result.shape == source.shape
    segs = np.asanyarray(result.dataobj)
    gts = np.zeros_like(labels)
    for i, label in enumerate(LABELS, start=1):
        gts[labels == label] = i
    # Same as segmenting the prepared array directly, written back in the file's order.
    volume = load_volume(path)
    assert volume.spacing == pytest.approx(tuple(float(z) for z in source.header.get_zooms()[::-1]))
    assert volume.spacing[0] == pytest.approx(2.5)
    direct = Segmenter(threads=2).segment_3d(
        intensity.prepare(volume.array, "MR"), load_boxes(folder / "boxes.json"), modality="MR"
    )
    np.testing.assert_array_equal(segs, direct.transpose(2, 1, 0))
    assert np.mean(per_label_dice(gts, segs, 2)) > 0.2


def test_bad_volume_and_box_files_name_the_file(tmp_path):
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(CaseError, match="broken.nii.gz: not a readable NIfTI"):
        load_volume(broken)
    image_2d = tmp_path / "flat.nii"
    nib.save(nib.Nifti1Image(np.zeros((4, 5), np.int16), np.eye(4)), str(image_2d))
    with pytest.raises(CaseError, match="expected a 3D volume"):
        load_volume(image_2d)
    bad_boxes = tmp_path / "boxes.json"
    bad_boxes.write_text('{"boxes": [[1, 2, 3]]}')
    with pytest.raises(CaseError, match=r"boxes.json: boxes must be \(N, 6\)"):
        load_boxes(bad_boxes)
    bad_boxes.write_text("not json")
    with pytest.raises(CaseError, match="not a box file"):
        load_boxes(bad_boxes)


@pytest.mark.slow
def test_a_real_ct_in_hounsfield_units_segments_the_head_from_the_cli(tmp_path):
    """12 middle slices of the InVesalius head CT, int16 HU as NIfTI, the head's box:
    segment-volume --modality CT windows it to soft tissue and segments the head."""
    ct, masks, spacing = invesalius_ct.load()
    head = invesalius_ct.largest_component(masks[invesalius_ct.MASKS["head"]])[40:52]
    hu = np.ascontiguousarray(ct[40:52])
    path, boxes, out = tmp_path / "head.nii.gz", tmp_path / "boxes.json", tmp_path / "o.nii.gz"
    nib.save(nib.Nifti1Image(hu.transpose(2, 1, 0), np.diag([*spacing[::-1], 1.0])), str(path))
    boxes.write_text(json.dumps([mask_box(head)]))
    args = ["segment-volume", str(path), "--boxes", str(boxes), "-o", str(out)]
    assert main([*args, "--modality", "CT", "--threads", "2", "--quiet"]) == 0
    segs = np.asanyarray(nib.load(str(out)).dataobj).transpose(2, 1, 0)
    direct = Segmenter(threads=2).segment_3d(
        intensity.prepare_ct(hu), np.array([mask_box(head)]), modality="CT"
    )
    np.testing.assert_array_equal(segs, direct)
    # 0.83 measured; the bone and lung windows give 0.76 and 0.75.
    assert per_label_dice(head.astype(np.uint8), segs, 1)[0] > 0.8


def test_boxes_from_csv(tmp_path):
    path = tmp_path / "boxes.csv"
    path.write_text("x0,y0,z0,x1,y1,z1\n1,2,3,4,5,6\n7,8,9,10,11,12\n")
    np.testing.assert_array_equal(load_boxes(path), [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])


def test_a_box_outside_the_volume_is_a_clear_cli_error(nifti_case, tmp_path, capsys):
    folder, path, _ = nifti_case
    boxes = tmp_path / "far.json"
    boxes.write_text("[[500, 500, 0, 510, 510, 3]]")
    code = main(
        ["segment-volume", str(path), "--boxes", str(boxes), "-o", str(tmp_path / "o.nii.gz")]
    )
    assert code == 1
    assert "outside the image" in capsys.readouterr().err
    assert not (tmp_path / "o.nii.gz").exists()


def test_a_nifti_with_nan_voxels_is_refused(tmp_path):
    data = np.ones((4, 5, 6), np.float32)
    data[1, 2, 3] = np.nan
    path = tmp_path / "nan.nii.gz"
    nib.save(nib.Nifti1Image(data, np.eye(4)), str(path))
    with pytest.raises(CaseError, match="nan.nii.gz: voxels contain NaN"):
        load_volume(path)


@pytest.fixture
def ct_volume(tmp_path, rng):
    """A small CT volume in Hounsfield units (-1000 to 1500) as NIfTI, and a box file."""
    hu = rng.integers(-1000, 1500, (20, 24, 6)).astype(np.int16)
    path = tmp_path / "ct.nii.gz"
    nib.save(nib.Nifti1Image(hu, np.eye(4)), str(path))
    boxes = tmp_path / "boxes.json"
    boxes.write_text("[[2, 3, 1, 15, 18, 4]]")
    return path, boxes


def prepared_by_cli(monkeypatch, tmp_path, image, boxes, *options):
    """Runs segment-volume with the segmentation skipped; the exit code and the voxels
    it would have segmented."""
    seen = []

    def segment_3d(self, volume, boxes, modality=None, name="3D<volume>"):
        seen.append(volume.copy())
        self.last_stats = {"strategy": "skipped"}
        return np.zeros(volume.shape, np.uint8)

    monkeypatch.setattr(Segmenter, "segment_3d", segment_3d)
    out = tmp_path / "labels.nii.gz"
    args = ["segment-volume", str(image), "--boxes", str(boxes), "-o", str(out), "--threads", "1"]
    code = main([*args, *options])
    return code, (seen[0] if seen else None)


def test_segment_volume_window_presets_prepare_ct_differently(ct_volume, monkeypatch, tmp_path):
    image, boxes = ct_volume
    raw = load_volume(image).array
    prepared = {}
    for window in ("lung", "brain"):
        code, prepared[window] = prepared_by_cli(
            monkeypatch, tmp_path, image, boxes, "--modality", "CT", "--window", window
        )
        assert code == 0
        np.testing.assert_array_equal(prepared[window], intensity.prepare_ct(raw, window=window))
    assert not np.array_equal(prepared["lung"], prepared["brain"])
    code, default = prepared_by_cli(monkeypatch, tmp_path, image, boxes, "--modality", "CT")
    assert code == 0
    np.testing.assert_array_equal(default, intensity.prepare_ct(raw, window="soft_tissue"))


def test_segment_volume_level_and_width_override_the_window(ct_volume, monkeypatch, tmp_path):
    image, boxes = ct_volume
    raw = load_volume(image).array
    code, prepared = prepared_by_cli(
        monkeypatch, tmp_path, image, boxes, "--modality", "CT", "--level", "300", "--width", "50"
    )
    assert code == 0
    expected = intensity.prepare_ct(raw, level=300, width=50)
    np.testing.assert_array_equal(prepared, expected)
    assert not np.array_equal(expected, intensity.prepare_ct(raw))
    # Only the level given: the preset's width stays (brain: 80).
    code, prepared = prepared_by_cli(
        monkeypatch, tmp_path, image, boxes, "--modality", "CT", "--window", "brain", "--level", "0"
    )
    assert code == 0
    np.testing.assert_array_equal(prepared, intensity.prepare_ct(raw, level=0, width=80))


def test_segment_volume_no_prepare_keeps_uint8_voxels(tmp_path, monkeypatch, rng, capsys):
    voxels = rng.integers(0, 256, (20, 24, 6)).astype(np.uint8)
    image = tmp_path / "ready.nii.gz"
    nib.save(nib.Nifti1Image(voxels, np.eye(4)), str(image))
    boxes = tmp_path / "boxes.json"
    boxes.write_text("[[2, 3, 1, 15, 18, 4]]")
    raw = load_volume(image).array
    code, kept = prepared_by_cli(monkeypatch, tmp_path, image, boxes, "--no-prepare")
    assert code == 0
    np.testing.assert_array_equal(kept, raw)
    code, prepared = prepared_by_cli(monkeypatch, tmp_path, image, boxes)
    assert not np.array_equal(prepared, raw)  # percentile clipping changes them
    # Not uint8: refused, since nothing would scale it.
    nib.save(nib.Nifti1Image(voxels.astype(np.int16), np.eye(4)), str(image))
    code, _ = prepared_by_cli(monkeypatch, tmp_path, image, boxes, "--no-prepare")
    assert code == 1 and "--no-prepare needs uint8 voxels, got int16" in capsys.readouterr().err
