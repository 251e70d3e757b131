"""Resumable, shardable folder runs (serial): --shard I/N splits by file name so shards
together are exactly the whole run; --skip-existing redoes only the missing cases;
efficiency.csv keeps one row per case across runs."""

import pytest

from case_folders import SMALL, assert_same_segs, copy_cases, efficiency_rows
from medsam_fast.cli import main
from medsam_fast.runners.selection import Shard, parse_shard


def _segment(imgs, out, *extra):
    return main(["segment", "-i", str(imgs), "-o", str(out), "--threads", "1", *extra])


@pytest.mark.slow
def test_shards_one_to_three_together_are_the_unsharded_run(
    tmp_path, case_store, serial_segs, capsys
):
    imgs = copy_cases(case_store, tmp_path / "imgs", SMALL)
    out = tmp_path / "segs"
    written = []
    for i in (1, 2, 3):
        before = {p.name for p in out.glob("*.npz")}
        assert _segment(imgs, out, "--shard", f"{i}/3") == 0
        mine = {p.name for p in out.glob("*.npz")} - before
        assert mine, f"shard {i}/3 of {SMALL} is empty; the test needs each to hold a case"
        written.append(mine)
    # Disjoint, and together every case, each the unsharded run's output.
    assert sum(len(s) for s in written) == len(SMALL)
    assert_same_segs(out, serial_segs(SMALL))
    assert efficiency_rows(out) == sorted(SMALL)


def test_a_shard_is_chosen_by_the_name_alone():
    # The contract a job array relies on: the same name is in the same shard in every
    # task and every release (the first 8 bytes of SHA-1 of the name, modulo N).
    names = [f"3DBox_CT_case{i:04d}.npz" for i in range(300)]
    for count in (1, 2, 7):
        owners = [[i for i in range(1, count + 1) if Shard(i, count).holds(n)] for n in names]
        assert all(len(o) == 1 for o in owners)
    assert Shard(2, 3).holds("2DBox_MR_itk-brain31.npz")
    assert Shard(3, 3).holds("2DBox_MR_colin27-z70.npz")
    # Roughly even: each of 7 shards holds 300/7 = 43 +- 20 names.
    sizes = [sum(Shard(i, 7).holds(n) for n in names) for i in range(1, 8)]
    assert min(sizes) > 23 and max(sizes) < 63, sizes


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(tmp_path, text, capsys):
    with pytest.raises(ValueError):
        parse_shard(text)
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", "-i", str(tmp_path), "-o", str(tmp_path / "o"), "--shard", text])
    assert exit_info.value.code == 2 and "--shard" in capsys.readouterr().err


def test_zero_workers_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["segment", "-i", str(tmp_path), "-o", str(tmp_path / "o"), "--workers", "0"])
    assert exit_info.value.code == 2 and "--workers" in capsys.readouterr().err


@pytest.mark.slow
def test_skip_existing_after_an_interrupted_run_redoes_only_the_missing_cases(
    tmp_path, case_store, serial_segs, capsys
):
    imgs = copy_cases(case_store, tmp_path / "imgs", SMALL)
    out = tmp_path / "segs"
    assert _segment(imgs, out) == 0
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("*.npz")}
    # The interruption: one case never written, one cut off in the middle of its write
    # (the temporary a killed writer leaves), one output damaged by hand.
    lost, damaged = SMALL[1], SMALL[2]
    (out / lost).rename(out / f".{lost}.abc123.tmp")
    (out / damaged).write_bytes(b"PK\x03\x04 cut short")
    rows = (out / "efficiency.csv").read_text()
    capsys.readouterr()
    assert _segment(imgs, out, "--skip-existing") == 0
    redone = {n for n in SMALL if (out / n).stat().st_mtime_ns != first.get(n)}
    assert redone == {lost, damaged}
    assert "2 cases already have an output; skipped" in capsys.readouterr().out
    # Outputs as the uninterrupted run's, the stale temporary gone, and one row per case:
    # the kept cases' times from the first run, the redone ones' from this run.
    assert_same_segs(out, serial_segs(SMALL))
    assert efficiency_rows(out) == sorted(SMALL)
    old = dict(line.split(",") for line in rows.splitlines()[1:])
    new = dict(line.split(",") for line in (out / "efficiency.csv").read_text().splitlines()[1:])
    assert all(new[n] == old[n] for n in SMALL if n not in (lost, damaged))


def test_efficiency_rows_of_other_folders_runs_are_kept(tmp_path, case_store):
    imgs = copy_cases(case_store, tmp_path / "imgs", SMALL[:1])
    out = tmp_path / "segs"
    out.mkdir()
    (out / "efficiency.csv").write_text("case,time\n3DBox_CT_other.npz,12.5000\n")
    assert _segment(imgs, out) == 0
    assert efficiency_rows(out) == sorted(["3DBox_CT_other.npz", SMALL[0]])
    assert "3DBox_CT_other.npz,12.5000" in (out / "efficiency.csv").read_text()
