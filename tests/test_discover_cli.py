"""``sciml discover``: Ctrl-C during a parallel search, the messages of its refusals, its help
(paths per family, exit status) and an unwritable ``--json``."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import linalg_discovery.discovery
from linalg_discovery.families import FAMILIES, FAMILY_PATHS
from sciml.cli import main

DISCOVER = ["--quiet", "discover", "--path", "sketch-and-solve", "--budget", "5"]


def _refused(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("backend", ["process", "dask"])
def test_ctrl_c_during_a_parallel_search_ends_in_one_true_line(tmp_path, backend):
    """The search leaves a file once its workers have scored a batch, and is slowed down so
    that the signal lands while it runs; Ctrl-C reaches the whole process group (workers
    too), as in a terminal."""
    if backend == "dask":
        pytest.importorskip("dask.distributed")
    code = f"""
import signal, sys, time
from pathlib import Path

# a shell starts background jobs with SIGINT ignored, and Python keeps it so: restore the
# terminal's behaviour whatever shell runs the suite
signal.signal(signal.SIGINT, signal.default_int_handler)
from linalg_discovery.parallel import EvaluationPool
from sciml.cli import main

scores = EvaluationPool.scores

def slow(self, task, programs):
    out = scores(self, task, programs)
    Path({str(tmp_path)!r}, "scored").touch()
    time.sleep(0.02)
    return out

EvaluationPool.scores = slow
sys.exit(main(["--quiet", "discover", "--path", "sketch-and-precondition", "--workers", "2",
               "--batch", "4", "--budget", "1000000", "--backend", {backend!r}]))
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "scored").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines() == [
        "sciml: discover interrupted; nothing was written (a search does not resume: rerun it)"
    ]
    assert out == ""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--scheduler", "tcp://x:1"], "--scheduler needs --backend dask"),
        (["--backend", "process", "--scheduler", "tcp://x:1"], "--scheduler needs --backend dask"),
    ],
)
def test_a_scheduler_without_dask_names_the_real_problem(capsys, extra, expected):
    err = _refused(capsys, [*DISCOVER, *extra])
    assert expected in err and "address string" not in err


def test_dask_not_installed_says_which_extra_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    err = _refused(capsys, [*DISCOVER, "--backend", "dask"])
    assert "--backend dask: dask.distributed is not installed" in err
    assert "'distributed' extra" in err and "address string" not in err


def test_the_listed_paths_are_the_families_paths():
    for family in FAMILIES:
        assert FAMILY_PATHS[family] == FAMILIES[family].path_names


def test_help_lists_the_paths_of_each_family_and_the_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["discover", "--help"])
    text = " ".join(capsys.readouterr().out.split()).replace("- ", "-")  # undo the wrapping
    for family, paths in FAMILY_PATHS.items():
        assert f"{family}: {', '.join(paths)}" in text
    statuses = ("0 the target program of every stage was found", "1 the search ended")
    statuses += ("2 the arguments were refused", "130 interrupted")
    assert all(status in text for status in statuses)


@pytest.mark.parametrize(
    ("family", "path", "listed", "hint"),
    [
        ("least-squares", "randomized-svd", "sketch-and-precondition", "of family 'lowrank'"),
        ("lowrank", "sketch-and-solve", "randomized-svd, nystrom", "of family 'least-squares'"),
        ("lowrank", "nope", "randomized-svd, nystrom", ""),
    ],
)
def test_an_unknown_path_lists_the_familys_paths(capsys, family, path, listed, hint):
    err = _refused(capsys, ["discover", "--family", family, "--path", path, "--budget", "5"])
    assert f"unknown path {path!r} for family {family!r}" in err and listed in err
    assert hint in err


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder no file can be created in: read-only by mode, or (root ignores modes) /proc."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        yield folder
    else:
        (folder / "probe").unlink()
        if not Path("/proc/self").is_dir():
            pytest.skip("permissions do not apply (root) and there is no /proc")
        yield Path("/proc")
    finally:
        folder.chmod(0o755)


def test_an_unwritable_json_is_refused_in_one_line_before_the_search(
    capsys, monkeypatch, unwritable_folder
):
    def search(*args, **kwargs):
        raise AssertionError("the search ran")

    monkeypatch.setattr(linalg_discovery.discovery, "discover", search)
    target = unwritable_folder / "found.json"
    err = _refused(capsys, [*DISCOVER, "--json", str(target)])
    assert f"--json {target}: cannot write in" in err
