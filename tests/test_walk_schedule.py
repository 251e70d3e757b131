"""How a 3D pass orders its boxes' walks and which slice a full embedding cache gives up.

The spec, written here independently of the core: one upward sweep; at a box's middle
slice the box decodes its middle and walks all the way down, and at every slice each box
whose upward part covers it takes one step (segment/walk_schedule.hpp).  A full cache
evicts the slice whose next use in that order is furthest ahead, and frees a slice once
no step needs it.  With one thread there is no encode-ahead helper, so the number of
encoder runs follows from the order and the capacity alone.
"""

import numpy as np
import pytest

from medsam_fast import Segmenter
from medsam_fast.cli.demo import DEMO_DIR

# Nested and staggered z ranges with different middles, as a case with many structures has.
Z_RANGES = [(0, 19), (0, 5), (14, 19), (3, 12), (8, 16)]


def sweep_schedule(ranges):
    """The slice of every step, in the order the pass takes them."""
    slices = []
    for z in range(min(r[0] for r in ranges), max(r[1] for r in ranges) + 1):
        for first, last in ranges:
            if first + (last - first) // 2 == z:
                slices += range(z, first - 1, -1)
        for first, last in ranges:
            if first + (last - first) // 2 < z <= last:
                slices.append(z)
    return slices


def encodes_with_furthest_eviction(slices, capacity):
    cached, encodes = set(), 0
    for now, z in enumerate(slices):
        later = slices[now + 1 :]
        if z not in cached:
            encodes += 1
            if len(cached) >= capacity:
                cached.remove(max(cached, key=lambda s: later.index(s)))
            cached.add(z)
        if z not in later:
            cached.remove(z)
    return encodes


def test_the_spec_encodes_each_slice_once_where_box_by_box_order_would_not():
    slices = sweep_schedule(Z_RANGES)
    assert len(slices) == sum(last - first + 1 for first, last in Z_RANGES)
    assert encodes_with_furthest_eviction(slices, 10) == 20
    # Each box walked whole in turn (middle, up, down) needs far more in the same room.
    box_by_box = []
    for first, last in Z_RANGES:
        mid = first + (last - first) // 2
        box_by_box += [*range(mid, last + 1), *range(mid - 1, first - 1, -1)]
    assert encodes_with_furthest_eviction(box_by_box, 10) > 20


@pytest.fixture(scope="module")
def slab():
    """20 real MR slices and one xy box for every z range."""
    with np.load(DEMO_DIR / "imgs" / "3DBox_MR_colin27-thalamus.npz") as data:
        imgs = np.ascontiguousarray(data["imgs"][:20])
        x0, y0, _, x1, y1, _ = data["boxes"][0]
    boxes = np.array([[x0, y0, first, x1, y1, last] for first, last in Z_RANGES])
    return imgs, boxes


@pytest.mark.parametrize("capacity", [10, 4])
def test_encoder_runs_follow_the_sweep_and_the_furthest_eviction(slab, capacity):
    imgs, boxes = slab
    segmenter = Segmenter(strategy="baseline", threads=1, max_cached_embeddings=capacity)
    segmenter.segment_3d(imgs, boxes, modality="MR")
    expected = encodes_with_furthest_eviction(sweep_schedule(Z_RANGES), capacity)
    assert segmenter.last_stats["slices_encoded"] == expected
    assert segmenter.last_stats["peak_cached_embeddings"] <= capacity
    assert segmenter.last_stats["masks_decoded"] == len(sweep_schedule(Z_RANGES))


def test_a_small_cache_and_the_encode_ahead_helper_give_the_same_labels(slab):
    # With 2 threads the pass decodes on single-threaded sessions while the helper
    # encodes, and on the 2-thread ones while it is idle: at the latest once every slice
    # is encoded, so the last steps always do.  One thread decodes on one session only.
    imgs, boxes = slab
    one_thread = Segmenter(strategy="confidence", threads=1, max_cached_embeddings=4)
    ahead = Segmenter(strategy="confidence", threads=2)
    tight = one_thread.segment_3d(imgs, boxes, modality="MR")
    np.testing.assert_array_equal(ahead.segment_3d(imgs, boxes, modality="MR"), tight)
    assert ahead.last_stats["slices_encoded"] == 20
    assert len(np.unique(tight)) > 2
    # Both kinds of session decoded: beside the helper while it encoded ahead, and alone
    # for the last steps at least.  Without a helper there is only one kind.
    assert 0 < ahead.last_stats["decoder_runs_beside_helper"] < ahead.last_stats["decoder_runs"]
    assert one_thread.last_stats["decoder_runs_beside_helper"] == 0
