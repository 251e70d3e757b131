"""Runners: ways of segmenting many cases.  ``folder``: every npz case in a folder, with
efficiency.csv and per-stage times."""

from .folder import FolderResult, profile_table, segment_folder

__all__ = ["FolderResult", "profile_table", "segment_folder"]
