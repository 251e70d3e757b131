import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_fixtures import reference, segmenter, torch_model  # noqa: E402,F401


@pytest.fixture(scope="module")
def plain():
    """The plain Python pipeline (reference_pipeline.OnnxBaseline) on the converted
    LiteMedSAM files medsam_fast uses, with the same threads."""
    from medsam_fast.models import litemedsam_files
    from reference_pipeline import OnnxBaseline
    from shared_fixtures import THREADS

    files = litemedsam_files()
    return OnnxBaseline(files.encoder, files.decoder, THREADS)
