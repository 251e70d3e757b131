"""Replays a fixed corpus through the fuzz target: no input may crash or raise anything
but a clear error. Inputs that once failed are kept in REGRESSIONS."""

import numpy as np
import pytest

from fuzz_core import one_input

# Found by this corpus: a label map holding id 190253911 (or 3e18) made the default label
# list 1..gt.max() exhaust memory; ids above MAX_LABEL_ID are now refused.
REGRESSIONS = [np.random.default_rng(2026).bytes(0)]


def test_a_huge_label_id_is_refused_not_allocated():
    from medsam_fast import metrics

    gt = np.zeros((2, 3, 4), np.int32)
    gt[0, 0, 0] = 190253911
    with pytest.raises(ValueError, match="label ids above"):
        metrics.dsc(gt, gt)
    assert np.isnan(metrics.nsd(gt, gt, labels=[2**40]).per_label[2**40])


def test_fuzz_corpus_and_regressions_raise_only_clear_errors():
    rng = np.random.default_rng(2026)
    corpus = [rng.bytes(int(rng.integers(0, 600))) for _ in range(1500)]
    for data in REGRESSIONS + corpus:
        one_input(data)
