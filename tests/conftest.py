import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from case_folders import case_store, serial_segs  # noqa: E402,F401
from shared_fixtures import plain, reference, segmenter, torch_model  # noqa: E402,F401


@pytest.fixture(scope="session")
def colin():
    from realdata import colin27

    return colin27


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
