"""Runners: ways of segmenting many cases.  ``folder``: every npz case in a folder, with
efficiency.csv and per-stage times; ``case``: one case, the work both the folder runner
and ``medsam_fast.distributed`` do; ``selection``: shards and skipping finished cases;
``efficiency``: efficiency.csv across resumed and sharded runs."""

from .case import CaseOutcome, segment_case
from .folder import FolderResult, profile_table, segment_folder
from .selection import Shard, parse_shard

__all__ = [
    "CaseOutcome",
    "FolderResult",
    "Shard",
    "parse_shard",
    "profile_table",
    "segment_case",
    "segment_folder",
]
