"""Fixtures shared by the tests and the benchmarks (both conftest files import them)."""

import pytest

THREADS = 2


@pytest.fixture(scope="session")
def segmenter():
    from medsam_fast import Segmenter

    # The upstream baseline's rule, which the reference pipelines implement.
    return Segmenter(strategy="baseline", threads=THREADS)


@pytest.fixture(scope="session")
def torch_model():
    import torch

    from medsam_fast.convert import find_bundled_checkpoint
    from medsam_fast.convert.litemedsam_torch import load_litemedsam

    torch.set_num_threads(THREADS)
    return load_litemedsam(find_bundled_checkpoint())


@pytest.fixture(scope="session")
def reference(torch_model):
    from reference_pipeline import TorchBaseline

    return TorchBaseline(torch_model)


@pytest.fixture(scope="module")
def plain():
    """The plain Python pipeline (reference_pipeline.OnnxBaseline) on the converted
    LiteMedSAM files medsam_fast uses, with the same threads.  Module-scoped: its
    counters (slices encoded, seconds, overwrites) start fresh in every module."""
    from medsam_fast.models import litemedsam_files
    from reference_pipeline import OnnxBaseline

    files = litemedsam_files()
    return OnnxBaseline(files.encoder, files.decoder, THREADS)
