"""One function per ``medsam-fast`` command: each takes the parsed arguments and returns
the exit code, reporting through the ``medsam_fast`` logger."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def _segmenter_options(args) -> dict:
    return {
        "strategy": args.strategy,
        "threads": args.threads,
        "margin": args.margin,
        "max_cached_embeddings": args.max_cached,
        "model_dir": args.model_dir,
        "max_memory_gb": args.max_memory,
        "engine": args.engine,
        "precision": args.precision,
        "fast": args.fast,
    }


def _segmenter(args):
    from ..segmentation import Segmenter

    return Segmenter(**_segmenter_options(args))


def _segment_on_dask(args, run: dict):
    from ..distributed import connect, segment_folder

    options = _segmenter_options(args)
    if args.workers and not options["threads"]:
        options["threads"] = 1  # N single-threaded workers share the cores
    with connect(args.scheduler, args.workers) as client:
        return segment_folder(client, args.input, args.output, segmenter_options=options, **run)


def _overlays_of_written(args, result) -> None:
    """--overlay with Dask: the figures of the cases written, drawn here from the files."""
    from ..io.cases import load_case
    from ..visualize.folder import OverlayWriter, load_segs

    writer = OverlayWriter(args.overlay)
    for name in list(result.times):
        try:
            writer(load_case(args.input / name), load_segs(args.output / name))
        except (ValueError, OSError) as exc:
            result.failures[name] = f"{name}: overlay: {exc}"


def cmd_segment(args) -> int:
    from ..runners.folder import profile_table, segment_folder

    run = {"progress": not args.quiet, "shard": args.shard, "skip_existing": args.skip_existing}
    if args.scheduler or args.workers:
        result = _segment_on_dask(args, run)
        if args.overlay is not None:
            _overlays_of_written(args, result)
    else:
        if args.overlay is not None:
            from ..visualize.folder import OverlayWriter

            run["after_case"] = OverlayWriter(args.overlay)
        result = segment_folder(_segmenter(args), args.input, args.output, **run)
    if args.profile:
        print(profile_table(result))
    if result.failures:
        print(
            f"{len(result.failures)} of {len(result.failures) + len(result.times)} cases failed:",
            file=sys.stderr,
        )
        for message in result.failures.values():
            print(f"  {message}", file=sys.stderr)
        return 1
    return 0


def cmd_overlay(args) -> int:
    from ..visualize.folder import overlay_folder

    result = overlay_folder(args.input, args.segs, args.output)
    if result.failures:
        print(
            f"{len(result.failures)} of {len(result.failures) + len(result.written)} "
            "overlays failed:",
            file=sys.stderr,
        )
        for message in result.failures.values():
            print(f"  {message}", file=sys.stderr)
        return 1
    return 0


def cmd_convert(args) -> int:
    from ..models.store import default_model_dir, model_folder

    if args.family == "efficientsam":
        from ..convert.efficientsam_export import convert_efficientsam

        if args.checkpoint is None:
            raise ValueError(
                "--family efficientsam needs --checkpoint (no EfficientSAM weights ship)"
            )
        convert_efficientsam(
            args.checkpoint, args.out or model_folder("efficientsam"), variant=args.variant
        )
        return 0
    from ..convert.export import convert_litemedsam

    out = args.out or default_model_dir()
    convert_litemedsam(out, checkpoint=args.checkpoint)
    if args.precision == "int8":
        from ..models.families import LITEMEDSAM
        from ..models.quantize import quantize_encoder

        path = quantize_encoder(Path(out) / LITEMEDSAM.encoder, args.calibration)
        log.info("int8 encoder: %s", path)
    return 0


def cmd_train(args) -> int:
    from ..train import train_from_args

    return train_from_args(args)


def cmd_evaluate(args) -> int:
    from ..evaluation.folder import evaluate_folder, write_reports

    scores = evaluate_folder(
        args.segs,
        args.gts,
        tolerance=args.tolerance,
        threads=args.threads,
        spacing_order=args.spacing_order,
    )
    summary_path, table = write_reports(scores, args.output)
    print(table)
    print(f"per-case metrics in {args.output}, summary in {summary_path}")
    failures = [s for s in scores if s.status != "ok"]
    if failures:
        print(f"{len(failures)} of {len(scores)} cases failed:", file=sys.stderr)
        for s in failures:
            print(f"  {s.case}: {s.status}", file=sys.stderr)
        return 1
    return 0


def cmd_segment_volume(args) -> int:
    import numpy as np

    from ..image import intensity
    from ..io.atomic import write_npz_atomic
    from ..io.cases import CaseError, check_case
    from ..io.volumes import is_nifti, load_boxes, load_volume, save_labels_like

    try:
        volume = load_volume(args.image)
        boxes = load_boxes(args.boxes)
        if args.no_prepare:
            if volume.array.dtype != np.uint8:
                raise CaseError(
                    volume.source.name, f"--no-prepare needs uint8 voxels, got {volume.array.dtype}"
                )
            imgs = volume.array
        else:
            imgs = intensity.prepare(
                volume.array, args.modality, window=args.window, level=args.level, width=args.width
            )
        case = check_case(imgs, boxes, f"3DBox_{args.modality or 'unknown'}_{volume.source.name}")
    except CaseError as exc:
        print(f"medsam-fast: error: {exc}", file=sys.stderr)
        return 1
    segmenter = _segmenter(args)
    segs = segmenter.segment_3d(case.imgs, case.boxes, modality=args.modality)
    if is_nifti(args.output):
        save_labels_like(volume, segs, args.output)
    else:
        write_npz_atomic(args.output, segs=segs)
    log.info(
        "%s: %d labels, strategy %s", args.output, int(segs.max()), segmenter.last_stats["strategy"]
    )
    return 0


def cmd_strategies(args) -> int:
    from ..segmentation.routing import load_table

    table = load_table(args.strategy)
    print(f"strategy table '{table.name}':")
    print(table.describe())
    return 0


def cmd_cluster_script(args) -> int:
    from ..distributed.jobqueue import job_script

    print(
        job_script(
            args.system,
            args.scheduler,
            cores=args.cores,
            memory=args.memory,
            processes=args.processes,
            walltime=args.walltime,
            queue=args.queue,
            account=args.account,
            home=args.home,
            directives=args.directive,
            python=args.python,
        )
    )
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(_segmenter(args), args.output)
