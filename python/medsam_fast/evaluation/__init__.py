"""Scoring segmentations as the challenge scores them: ``metrics`` (DSC and NSD, also
reachable as ``medsam_fast.metrics``) and ``folder`` (a folder of cases against ground
truths, with per-case and per-modality reports)."""
