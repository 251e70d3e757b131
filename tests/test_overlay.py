"""Overlay figures: exact pixels against a blend recomputed here, exact box outlines, the
3D middle slices, byte-identical PNGs, the CLI, and no Pillow when overlays are off."""

import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from medsam_fast import load_case
from medsam_fast.cli import main
from medsam_fast.cli.demo import DEMO_DIR
from medsam_fast.visualize import OKABE_ITO, compose, label_colour, overlay, render
from medsam_fast.visualize.figure import TITLE_HEIGHT, middle_slice, png_bytes

CASE_2D = "2DBox_MR_colin27-deepgrey.npz"
CASE_3D = "3DBox_MR_colin27-thalamus.npz"
# The figure's opacity as written in the docs: 0.4 of the label's colour (102/256).
ALPHA = 102 / 256


def demo(name):
    """A bundled case with its atlas labels standing in for a segmentation."""
    case = load_case(DEMO_DIR / "imgs" / name)
    with np.load(DEMO_DIR / "gts" / name) as g:
        return case, g["gts"].astype(np.uint8)


def reference_blend(image, labels):
    """Each labelled pixel: (1 - alpha) image + alpha colour, rounded half up."""
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image.copy()
    out = rgb.astype(np.float64)
    for label in np.unique(labels[labels > 0]):
        colour = np.array(label_colour(int(label)), dtype=np.float64)
        where = labels == label
        out[where] = np.floor(rgb[where] * (1 - ALPHA) + colour * ALPHA + 0.5)
    return out.astype(np.uint8)


def outline_mask(shape, box):
    """The inclusive box's 1-pixel border, clipped to ``shape``, drawn by hand."""
    mask = np.zeros(shape, dtype=bool)
    x0, y0, x1, y1 = (int(np.floor(v)) for v in box)
    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            on_border = y in (y0, y1) or x in (x0, x1)
            if on_border and 0 <= y < shape[0] and 0 <= x < shape[1]:
                mask[y, x] = True
    return mask


def test_palette_is_okabe_ito_without_black_and_cycles():
    assert label_colour(1) == (230, 159, 0)
    assert len({label_colour(i) for i in range(1, 8)}) == 7
    assert label_colour(8) == label_colour(1)
    assert (0, 0, 0) not in {tuple(c) for c in OKABE_ITO.tolist()}
    with pytest.raises(ValueError, match="labels start at 1"):
        label_colour(0)


def test_blend_equals_the_numpy_reference_on_a_real_slice():
    case, labels = demo(CASE_2D)
    got = compose(case.imgs, labels)  # no boxes: the blend alone
    np.testing.assert_array_equal(got, reference_blend(case.imgs, labels))
    assert (got[labels == 0] == case.imgs[labels == 0]).all()
    assert (got[labels > 0] != case.imgs[labels > 0]).any()


@pytest.mark.parametrize(
    "box", [[5, 7, 30, 20], [0, 0, 63, 47], [-4, 10, 20, 60], [50.7, 3.2, 80, 9.9], [9, 9, 9, 9]]
)
def test_box_outline_is_exactly_its_border(box):
    image = np.zeros((48, 64), np.uint8)
    got = compose(image, np.zeros_like(image), [box], [3])
    drawn = (got != 0).any(axis=2)
    np.testing.assert_array_equal(drawn, outline_mask(image.shape, box))
    assert (got[drawn] == label_colour(3)).all()


def test_outlines_sit_on_top_of_the_blend():
    case, labels = demo(CASE_2D)
    got = compose(case.imgs, labels, case.boxes)
    expected = reference_blend(case.imgs, labels)
    for i, box in enumerate(case.boxes):
        expected[outline_mask(labels.shape, box)] = label_colour(i + 1)
    np.testing.assert_array_equal(got, expected)


def test_2d_figure_is_the_case_name_then_the_composed_image():
    case, labels = demo(CASE_2D)
    plain = render(case, labels, numbers=False)
    composed = compose(case.imgs, labels, case.boxes)
    assert plain.shape == (TITLE_HEIGHT + composed.shape[0], composed.shape[1], 3)
    np.testing.assert_array_equal(plain[TITLE_HEIGHT:], composed)
    assert plain[:TITLE_HEIGHT].any(), "the case name is drawn in the title strip"
    # With the label numbers: they change pixels only next to each box's top-left corner.
    numbered = render(case, labels)
    changed = (numbered[TITLE_HEIGHT:] != composed).any(axis=2)
    near_corner = np.zeros_like(changed)
    for box in case.boxes:
        x0, y0 = int(box[0]), int(box[1])
        near_corner[max(y0, 0) : y0 + 14, max(x0, 0) : x0 + 16] = True
    assert changed.any()
    assert not (changed & ~near_corner).any()


def test_3d_figure_shows_each_box_on_its_middle_slice():
    case, labels = demo(CASE_3D)
    depth = case.imgs.shape[0]
    slices = sorted({middle_slice(b, depth) for b in case.boxes})
    assert slices == sorted({int((b[5] - b[2]) / 2 + b[2]) for b in case.boxes})
    figure = render(case, labels, numbers=False)
    h, w = case.imgs.shape[1:]
    cols = int(np.ceil(np.sqrt(len(slices))))
    for k, z in enumerate(slices):
        rows = [i for i, b in enumerate(case.boxes) if middle_slice(b, depth) == z]
        left, top = (k % cols) * w, TITLE_HEIGHT + (k // cols) * (h + TITLE_HEIGHT) + TITLE_HEIGHT
        expected = compose(
            case.imgs[z], labels[z], case.boxes[rows][:, [0, 1, 3, 4]], [i + 1 for i in rows]
        )
        np.testing.assert_array_equal(figure[top : top + h, left : left + w], expected)


def test_3d_montage_for_boxes_on_different_slices():
    case, labels = demo(CASE_3D)
    boxes = case.boxes.copy()
    boxes[1, [2, 5]] = [0, 4]  # the second box now centres on slice 2
    case.boxes = boxes
    figure = render(case, labels, numbers=False)
    h, w = case.imgs.shape[1:]
    assert figure.shape == (TITLE_HEIGHT + h + TITLE_HEIGHT, 2 * w, 3)
    right = figure[2 * TITLE_HEIGHT :, w:]
    z = middle_slice(boxes[0], case.imgs.shape[0])
    expected = compose(case.imgs[z], labels[z], boxes[:1, [0, 1, 3, 4]])
    np.testing.assert_array_equal(right, expected)


def png_chunks(data: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        chunks.append(data[at + 4 : at + 8])
        at += 12 + length
    return chunks


@pytest.mark.parametrize("name", [CASE_2D, CASE_3D])
def test_png_is_byte_identical_on_a_rerun_and_carries_no_metadata(tmp_path, name):
    case, labels = demo(name)
    first = overlay(case, labels, tmp_path / "a.png")
    overlay(case, labels, tmp_path / "b.png")
    data = (tmp_path / "a.png").read_bytes()
    assert data == (tmp_path / "b.png").read_bytes()
    assert data == png_bytes(first)
    assert set(png_chunks(data)) == {b"IHDR", b"IDAT", b"IEND"}
    # The PNG decodes back to the figure.
    from PIL import Image

    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "a.png")), first)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert zlib.crc32(data)  # not empty


def test_a_png_from_a_fresh_process_is_the_same(tmp_path):
    case, labels = demo(CASE_2D)
    overlay(case, labels, tmp_path / "here.png")
    np.savez(tmp_path / "segs.npz", segs=labels)
    code = (
        "import numpy as np; from medsam_fast.visualize import overlay; "
        f"overlay({str(DEMO_DIR / 'imgs' / CASE_2D)!r}, "
        f"np.load({str(tmp_path / 'segs.npz')!r})['segs'], {str(tmp_path / 'there.png')!r})"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "here.png").read_bytes() == (tmp_path / "there.png").read_bytes()


def test_mismatched_segs_are_refused_with_the_case_name():
    case, labels = demo(CASE_2D)
    with pytest.raises(ValueError, match="2DBox_MR_colin27-deepgrey.npz: segs"):
        render(case, labels[:-1])


def test_overlay_command_writes_one_png_per_case_and_reports_a_bad_one(tmp_path, capsys):
    segs = tmp_path / "segs"
    segs.mkdir()
    for name in (CASE_2D, CASE_3D):
        np.savez(segs / name, segs=demo(name)[1])
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    for name in (CASE_2D, CASE_3D):
        (imgs / name).write_bytes((DEMO_DIR / "imgs" / name).read_bytes())
    (imgs / "2DBox_MR_missing.npz").write_bytes((DEMO_DIR / "imgs" / CASE_2D).read_bytes())
    out = tmp_path / "png"
    assert main(["overlay", "-i", str(imgs), "-s", str(segs), "-o", str(out)]) == 1
    assert "2DBox_MR_missing.npz: no segmentation" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "2DBox_MR_colin27-deepgrey.png",
        "3DBox_MR_colin27-thalamus.png",
    ]
    for name in (CASE_2D, CASE_3D):
        case, labels = demo(name)
        png = (out / (Path(name).stem + ".png")).read_bytes()
        assert png == png_bytes(render(case, labels))


def test_segment_with_overlay_draws_what_it_wrote(tmp_path):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    (imgs / CASE_2D).write_bytes((DEMO_DIR / "imgs" / CASE_2D).read_bytes())
    segs, pngs = tmp_path / "segs", tmp_path / "png"
    argv = ["segment", "-i", str(imgs), "-o", str(segs), "--threads", "1", "--quiet"]
    assert main([*argv, "--overlay", str(pngs)]) == 0
    with np.load(segs / CASE_2D) as s:
        written = s["segs"]
    png = (pngs / "2DBox_MR_colin27-deepgrey.png").read_bytes()
    assert png == png_bytes(render(load_case(imgs / CASE_2D), written))
    if os.environ.get("MEDSAM_TEST_ARTIFACTS"):  # docs/images/ holds a copy
        artifacts = Path(os.environ["MEDSAM_TEST_ARTIFACTS"])
        artifacts.mkdir(parents=True, exist_ok=True)
        (artifacts / "overlay_deepgrey.png").write_bytes(png)


def test_no_pillow_is_imported_when_overlays_are_off(tmp_path):
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    (imgs / CASE_2D).write_bytes((DEMO_DIR / "imgs" / CASE_2D).read_bytes())
    code = (
        "import sys; import medsam_fast; from medsam_fast.cli import main; "
        "assert 'PIL' not in sys.modules, 'import'; "
        f"assert main(['segment', '-i', {str(imgs)!r}, '-o', {str(tmp_path / 'segs')!r}, "
        "'--threads', '1', '--quiet']) == 0; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'PIL'], 'segment'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "segs" / CASE_2D).is_file()
    assert not list(tmp_path.rglob("*.png"))


@pytest.mark.slow
def test_segment_on_dask_with_overlay_draws_the_written_cases(tmp_path):
    pytest.importorskip("distributed")
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    (imgs / CASE_2D).write_bytes((DEMO_DIR / "imgs" / CASE_2D).read_bytes())
    np.savez(imgs / "2DBox_MR_broken.npz", pixels=np.zeros((4, 4), np.uint8))
    segs, pngs = tmp_path / "segs", tmp_path / "png"
    argv = ["segment", "-i", str(imgs), "-o", str(segs), "--workers", "1", "--quiet"]
    assert main([*argv, "--overlay", str(pngs)]) == 1  # the broken case
    with np.load(segs / CASE_2D) as s:
        written = s["segs"]
    assert [p.name for p in pngs.iterdir()] == ["2DBox_MR_colin27-deepgrey.png"]
    png = (pngs / "2DBox_MR_colin27-deepgrey.png").read_bytes()
    assert png == png_bytes(render(load_case(imgs / CASE_2D), written))
