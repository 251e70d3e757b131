import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shared_fixtures import plain, reference, segmenter, torch_model  # noqa: E402,F401
