"""Real MRI and CT cases with labels, built from Debian packages and one PyPI wheel's data,
for the tests, the benchmarks and ``scripts/make_demo_cases.py`` (never shipped in the
wheel).

- ``realdata.colin27``: the Colin27 T1 with the AAL atlas (``apt-get install mricron-data``).
- ``realdata.itk_t1``: ITK's k-means T1 with its skull-strip mask
  (``apt-get install insighttoolkit5-examples``).
- ``realdata.inia19``: the INIA19 macaque T1 with its NeuroMaps labels (``mricron-data``).
- ``realdata.invesalius_ct``: a head CT with its bone and head masks
  (``apt-get install invesalius-examples``; needs scipy).
- ``realdata.mni152``: the MNI ICBM152 template T1 with its grey- and white-matter maps,
  from the ``nilearn`` wheel (``pip install nilearn``; needs scipy).

The MRI builders need nibabel.  Import as ``from realdata import colin27, itk_t1`` with
``tests/`` on the path (pytest puts it there: ``pythonpath`` in pyproject.toml).
"""
