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
