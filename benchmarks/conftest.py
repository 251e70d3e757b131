import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

THREADS = 2


@pytest.fixture(scope="session")
def segmenter():
    from medsam_fast import Segmenter

    # The upstream baseline's rule, which the reference pipelines implement.
    return Segmenter(strategy="baseline", threads=THREADS)


@pytest.fixture(scope="session")
def torch_reference():
    import torch

    from medsam_fast.convert import find_bundled_checkpoint
    from medsam_fast.convert.litemedsam_torch import load_litemedsam
    from reference_pipeline import TorchBaseline

    torch.set_num_threads(THREADS)
    return TorchBaseline(load_litemedsam(find_bundled_checkpoint()))
