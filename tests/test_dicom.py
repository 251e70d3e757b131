"""A DICOM series (written here from the real Colin27 T1) read back and segmented."""

import json

import nibabel as nib
import numpy as np
import pytest
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

from medsam_fast import Segmenter, intensity
from medsam_fast.cli import main
from medsam_fast.io.cases import CaseError
from medsam_fast.io.volumes import load_volume

SPACING = (2.0, 0.9, 0.8)  # slice, row, column


def write_series(folder, volume, order, series_uid=None, skip=()):
    """One file per slice, named in a scrambled order; slope 2 / intercept -100."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = series_uid or generate_uid()
    stored = ((volume.astype(np.int32) + 100) // 2).astype(np.int16)
    for k in order:
        if k in skip:
            continue
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MRImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = FileDataset(
            str(folder / f"img{(k * 7919) % 1000:04d}.dcm"),
            {},
            file_meta=meta,
            preamble=b"\0" * 128,
        )
        ds.SOPClassUID, ds.SOPInstanceUID = MRImageStorage, meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID, ds.Modality = series_uid, "MR"
        ds.Rows, ds.Columns = volume.shape[1:]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.PixelSpacing = [SPACING[1], SPACING[2]]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-50.0, -60.0, 10.0 + SPACING[0] * k]
        ds.RescaleSlope, ds.RescaleIntercept = 2, -100
        ds.PixelData = np.ascontiguousarray(stored[k]).tobytes()
        ds.save_as(str(folder / f"img{(k * 7919) % 1000:04d}.dcm"), enforce_file_format=True)
    (folder / "README.txt").write_text("not DICOM")
    return (stored.astype(np.int32) * 2) - 100


@pytest.fixture(scope="module")
def series(tmp_path_factory, colin):
    from realdata.colin27 import T1_FILE, axial_volume

    raw = axial_volume(T1_FILE)[66:80, 60:160, 40:140].astype(np.int16) * 3  # (14, 100, 100)
    folder = tmp_path_factory.mktemp("dicom") / "series"
    expected = write_series(folder, raw, order=np.random.default_rng(0).permutation(len(raw)))
    return folder, expected


def test_series_is_stacked_in_position_order_with_rescale_and_spacing(series):
    folder, expected = series
    volume = load_volume(folder)
    np.testing.assert_array_equal(volume.array, expected)
    assert volume.spacing == pytest.approx(SPACING)
    # Voxel (0, 0, 0) sits at the first slice's position (LPS -> RAS flips x and y).
    np.testing.assert_allclose(volume.affine @ [0, 0, 0, 1], [50.0, 60.0, 10.0, 1.0])
    np.testing.assert_allclose(volume.affine @ [1, 0, 0, 1], [50.0 - SPACING[2], 60.0, 10.0, 1.0])


@pytest.mark.slow
def test_series_segments_from_the_cli_into_an_overlaying_nifti(series, tmp_path):
    folder, _ = series
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps([[30, 35, 2, 60, 70, 9]]))
    out = tmp_path / "labels.nii.gz"
    assert (
        main(
            [
                "segment-volume",
                str(folder),
                "--boxes",
                str(boxes),
                "-o",
                str(out),
                "--modality",
                "MR",
                "--threads",
                "2",
                "--quiet",
            ]
        )
        == 0
    )
    result = nib.load(str(out))
    volume = load_volume(folder)
    np.testing.assert_allclose(result.affine, volume.affine)
    direct = Segmenter(threads=2).segment_3d(
        intensity.prepare(volume.array, "MR"), np.array([[30, 35, 2, 60, 70, 9]]), modality="MR"
    )
    np.testing.assert_array_equal(np.asanyarray(result.dataobj), direct.transpose(2, 1, 0))
    assert direct.any()


def test_broken_series_are_refused_with_the_reason(tmp_path, colin):
    volume = np.zeros((5, 8, 9), np.int16)
    gap = tmp_path / "gap"
    write_series(gap, volume, order=range(5), skip={2})
    with pytest.raises(CaseError, match="gap: slices are not evenly spaced"):
        load_volume(gap)
    mixed = tmp_path / "mixed"
    write_series(mixed, volume, order=range(3), series_uid=generate_uid())
    write_series(mixed, volume, order=range(3, 5), series_uid=generate_uid())
    with pytest.raises(CaseError, match="holds 2 DICOM series"):
        load_volume(mixed)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    with pytest.raises(CaseError, match="no DICOM image files"):
        load_volume(empty)
