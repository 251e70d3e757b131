"""Folder runs on Dask: a LocalCluster of two single-threaded worker processes writes the
same outputs as the serial CLI with --threads 1, survives a worker killed mid-case, fails
only the case whose worker dies on every attempt, and reports bad input once; the SLURM
job script renders."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("distributed")

import dask  # noqa: E402

from attempt_markers import AttemptMarkers, attempts  # noqa: E402
from case_folders import ALL, SMALL, assert_same_segs, copy_cases  # noqa: E402
from dying_worker import DieOnCase  # noqa: E402
from medsam_fast import distributed as mf_distributed  # noqa: E402
from medsam_fast.cli import main  # noqa: E402

OPTIONS = {"threads": 1}


@pytest.fixture(scope="module")
def client():
    with mf_distributed.connect(workers=2) as client:
        client.wait_for_workers(2)
        yield client


@pytest.mark.slow
def test_a_local_cluster_writes_what_the_serial_cli_writes(
    tmp_path, client, case_store, serial_segs
):
    imgs = copy_cases(case_store, tmp_path / "imgs", ALL)
    result = mf_distributed.segment_folder(
        client, imgs, tmp_path / "segs", segmenter_options=OPTIONS, progress=False
    )
    assert result.ok and sorted(result.times) == sorted(ALL)
    assert_same_segs(tmp_path / "segs", serial_segs(ALL))
    # Both workers took cases: the model lives on each of them.
    assert len(client.run(os.getpid)) == 2


@pytest.mark.slow
def test_a_worker_killed_mid_case_has_its_case_run_again(tmp_path, client, case_store, serial_segs):
    imgs = copy_cases(case_store, tmp_path / "imgs", ALL)
    out, markers = tmp_path / "segs", tmp_path / "markers"
    markers.mkdir()
    client.register_plugin(AttemptMarkers(markers))
    try:
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(
                mf_distributed.segment_folder,
                client,
                imgs,
                out,
                segmenter_options=OPTIONS,
                progress=False,
            )
            deadline = time.monotonic() + 300
            while not list(out.glob("*.npz")) and time.monotonic() < deadline:
                time.sleep(0.05)
            # After the first result, the process still on an unfinished case is killed.
            unfinished = [(c, pid) for c, pid in attempts(markers) if not (out / c).exists()]
            assert unfinished, "no case was running when the first one finished"
            killed_case, killed_pid = unfinished[0]
            os.kill(killed_pid, signal.SIGKILL)
            result = run.result(timeout=600)
    finally:
        client.unregister_worker_plugin(AttemptMarkers.name)
    assert result.ok and sorted(result.times) == sorted(ALL)
    assert_same_segs(out, serial_segs(ALL))
    runs = [pid for case, pid in attempts(markers) if case == killed_case]
    assert len(runs) >= 2 and len(set(runs)) >= 2 and killed_pid in runs


@pytest.mark.slow
def test_a_case_whose_worker_dies_on_every_attempt_fails_alone(tmp_path, case_store, serial_segs):
    # A cluster of its own: one failure allowed (two deaths make a KilledWorker), and one
    # task per worker thread, so a dying worker holds no other case that would share the
    # blame.
    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    doomed, others = SMALL[1], [name for name in SMALL if name != SMALL[1]]
    imgs = copy_cases(case_store, tmp_path / "imgs", SMALL)
    out, markers = tmp_path / "segs", tmp_path / "markers"
    markers.mkdir()
    with dask.config.set(settings), mf_distributed.connect(workers=2) as client:
        client.wait_for_workers(2)
        client.register_plugin(AttemptMarkers(markers))
        client.register_plugin(DieOnCase(doomed))
        result = mf_distributed.segment_folder(
            client, imgs, out, segmenter_options=OPTIONS, progress=False
        )
    assert not result.ok
    assert sorted(result.times) == sorted(others)
    assert list(result.failures) == [doomed] and "died 2 times" in result.failures[doomed]
    assert sorted(p.name for p in out.glob("*.npz")) == sorted(others)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert_same_segs(out, serial_segs(others))
    assert len([pid for case, pid in attempts(markers) if case == doomed]) == 2


@pytest.mark.slow
def test_a_hostile_file_is_named_the_others_written_exit_code_1(
    tmp_path, case_store, serial_segs, capsys
):
    imgs = copy_cases(case_store, tmp_path / "imgs", SMALL[:2])
    np.savez(imgs / "2DBox_US_nokeys.npz", pixels=np.zeros((4, 4), np.uint8))
    (imgs / "3DBox_CT_corrupt.npz").write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "segs"
    code = main(["segment", "-i", str(imgs), "-o", str(out), "--workers", "2", "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "2 of 4 cases failed" in err
    assert "2DBox_US_nokeys.npz: missing key" in err and "3DBox_CT_corrupt.npz" in err
    # Reported once each (a deterministic failure is an outcome, not a retried task).
    assert err.count("2DBox_US_nokeys.npz") == 2  # the FAILED line and the summary
    assert_same_segs(out, serial_segs(SMALL[:2]))


def test_the_slurm_job_script_starts_a_worker_for_the_scheduler():
    script = subprocess.run(
        [
            sys.executable,
            "-m",
            "medsam_fast.cli",
            "cluster-script",
            "--slurm",
            "--scheduler",
            "tcp://login1:8786",
            "--cores",
            "8",
            "--memory",
            "32GB",
            "--walltime",
            "04:00:00",
            "--queue",
            "cpu",
            "--home",
            "/shared/medsam_fast",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = script.splitlines()
    assert lines[0].startswith("#!") and "#SBATCH -p cpu" in lines
    assert "#SBATCH --cpus-per-task=8" in lines and "#SBATCH -t 04:00:00" in lines
    assert "export MEDSAM_FAST_HOME=/shared/medsam_fast" in lines
    (worker,) = [line for line in lines if "dask_worker" in line]
    assert worker.split()[1:4] == ["-m", "distributed.cli.dask_worker", "tcp://login1:8786"]
    assert "--nthreads 8" in worker and "--name medsam-fast-$SLURM_JOB_ID" in worker


def test_segment_help_lists_the_run_options():
    out = subprocess.run(
        [sys.executable, "-m", "medsam_fast.cli", "segment", "--help"],
        capture_output=True,
        text=True,
    ).stdout
    for option in ("--skip-existing", "--shard", "--scheduler", "--workers"):
        assert option in out


def test_the_plugin_builds_a_segmenter_per_worker_and_pickles_only_its_options():
    import pickle
    from types import SimpleNamespace

    plugin = mf_distributed.SegmenterPlugin({"strategy": "baseline"})
    plugin.setup(SimpleNamespace(state=SimpleNamespace(nthreads=3)))
    # threads unset: the worker's own thread count.
    assert plugin.segmenter.threads == 3 and plugin.segmenter.table.name == "baseline"
    copy = pickle.loads(pickle.dumps(plugin))
    assert copy.segmenter is None and copy.options == {"strategy": "baseline"}
    assert b"medsam_fast.segmentation" not in pickle.dumps(plugin)


def test_an_unreachable_scheduler_is_a_usage_error_naming_it(tmp_path, capsys):
    import socket

    import dask

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(
            ["segment", "-i", str(tmp_path), "-o", str(tmp_path / "o"), "--scheduler", address]
        )
    assert code == 2
    assert f"{address}: no Dask scheduler answered" in capsys.readouterr().err
