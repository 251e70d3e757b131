"""``python -m medsam_fast.train`` (and ``torchrun -m medsam_fast.train``): fine-tune
LiteMedSAM; the same options as ``medsam-fast train``."""

from __future__ import annotations

import argparse
import logging
import sys


def require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise ImportError(
            "training needs torch (CPU or CUDA): pip install 'medsam-fast[train]'"
        ) from None


def train_from_args(args: argparse.Namespace) -> int:
    """Runs the training (this process, or ``--nproc-per-node`` of them); exit code."""
    require_torch()
    from .training import distributed
    from .training.loop import run
    from .training.options import config_from_args, config_to_argv

    config = config_from_args(args)
    if config.nproc_per_node > 1 and not distributed.under_launcher():
        distributed.check_nproc(config.nproc_per_node, config.device)
        return distributed.launch(config.nproc_per_node, config_to_argv(config))
    result = run(config)
    if result.routing:
        print(f"# {result.work_dir / 'routing.toml'} routes to the export:\n{result.routing}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .training.options import add_train_arguments

    parser = argparse.ArgumentParser(
        prog="python -m medsam_fast.train", description="Fine-tune LiteMedSAM."
    )
    add_train_arguments(parser)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        return train_from_args(args)
    except (ImportError, FileNotFoundError, NotADirectoryError, ValueError) as exc:
        print(f"medsam-fast train: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
