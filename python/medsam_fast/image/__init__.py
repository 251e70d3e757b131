"""Preparing images before segmentation: ``intensity`` turns raw CT/MR/PET voxels into
the challenge's uint8 (also reachable as ``medsam_fast.intensity``)."""
