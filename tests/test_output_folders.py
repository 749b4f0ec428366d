"""Output folders and files: a run never writes into another kind of run, a refused start
leaves nothing behind, one writer at a time per output (a lock that dies with its holder),
and the system's refusals (permissions) read as one line naming the path."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import sciml.cli as cli
from sciml.cli import main
from sciml.core import files
from sciml.core.files import LOCK_FILE, OutputLockedError, output_lock
from sciml.data.pde.store import _parts_lock, generate_dataset
from sciml.training.run import run_folder_lock

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TRAIN = ["--resolutions", "8", "--epochs", "1", "--width", "4", "--layers", "1", "--modes", "2"]
REFINE = ["--steps", "1", "--extra-steps", "0", "--width", "4", "--depth", "1", "--epochs", "1"]


def refused(capsys, argv) -> str:
    """stderr of ``sciml argv``, which must exit with code 2 and one line."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A tiny Darcy file and a training run on it (the base of refinements)."""
    root = tmp_path_factory.mktemp("runs")
    generate_dataset("darcy", root / "d.h5", n=6, resolution=8, seed=0, progress=False)
    argv = ["--quiet", "train", "--data", str(root / "d.h5"), *TRAIN, "--batch-size", "2"]
    assert main([*argv, "--out", str(root / "base")]) == 0
    return root


def _train(root: Path, out: Path, *extra: str) -> list[str]:
    return ["--quiet", "train", "--data", str(root / "d.h5"), *TRAIN, *extra, "--out", str(out)]


def _refine(root: Path, out: Path, *extra: str) -> list[str]:
    argv = ["--quiet", "refine", str(root / "base"), *REFINE, "--batch-size", "2", *extra]
    return [*argv, "--out", str(out)]


# --------------------------------------------------------------- another kind of run


def test_refine_into_the_base_run_is_refused_and_the_base_stays_usable(base, capsys):
    before = listing(base / "base")
    err = refused(capsys, _refine(base, base / "base"))
    assert "base run itself" in err and "--out" in err
    assert listing(base / "base") == before
    assert main(["evaluate", str(base / "base")]) == 0


def test_train_into_a_refinement_and_refine_into_a_training_run_are_refused(
    base, tmp_path, capsys
):
    refinement = tmp_path / "refined"
    assert main(_refine(base, refinement)) == 0
    before = listing(refinement)
    err = refused(capsys, _train(base, refinement, "--batch-size", "2"))
    assert "holds a refinement run" in err and "--out" in err
    assert listing(refinement) == before

    other = tmp_path / "other-base"
    assert main(_train(base, other, "--batch-size", "2")) == 0
    before = listing(other)
    err = refused(capsys, _refine(base, other))
    assert "holds a training run" in err and "--out" in err
    assert listing(other) == before


# --------------------------------------------------------------- validate, then write


def test_a_run_with_too_few_batches_for_its_ranks_writes_nothing(
    base, tmp_path, capsys, monkeypatch
):
    """The check DDP training makes of its batches (one per rank at least) runs before the
    run folder is written, so the corrected command is not refused as another run. The world
    size is simulated here; the next test runs two ranks under torchrun."""
    from sciml.training import distributed

    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    out = tmp_path / "run"
    err = refused(capsys, _train(base, out, "--batch-size", "16"))
    assert "1 batches per epoch cannot feed 2 ranks" in err
    assert not out.exists()
    assert main(_train(base, out, "--batch-size", "2")) == 0


def test_torchrun_start_refused_by_its_checks_leaves_no_run_behind(base, tmp_path):
    out = tmp_path / "ddp"
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    launch += ["--nproc_per_node", "2", "-m", "sciml.cli"]

    def torchrun(*extra):
        return subprocess.run(
            [*launch, *_train(base, out, *extra)],
            capture_output=True,
            text=True,
            timeout=300,
            env=ENV,
        )

    first = torchrun("--batch-size", "16", "--test-fraction", "0.3")
    assert first.returncode != 0
    assert "cannot feed 2 ranks" in first.stderr, first.stderr[-3000:]
    assert not out.exists()
    second = torchrun("--batch-size", "2", "--test-fraction", "0.3")
    assert second.returncode == 0, second.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "metrics.jsonl", "run.json"]
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1


# --------------------------------------------------------------- one writer at a time

HOLD = (
    "import sys\n"
    "from sciml.core.files import output_lock\n"
    "with output_lock(sys.argv[1], 'the test output'):\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.read()\n"
)


def _holder(lock: Path) -> subprocess.Popen:
    """Another process holding ``lock``; returns once it holds it (it says so)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert process.stdout.readline() == "held\n"
    return process


def test_a_lock_held_by_another_process_refuses_and_names_it(tmp_path):
    lock = tmp_path / "out" / LOCK_FILE
    holder = _holder(lock)
    try:
        with pytest.raises(OutputLockedError, match="the output is in use by process") as info:
            with output_lock(lock, "the output"):
                pass
        assert f"process {holder.pid} on {socket.gethostname()}" in str(info.value)
        assert isinstance(info.value, FileExistsError)
    finally:
        holder.communicate("")  # end it: the lock goes with it
    assert holder.returncode == 0
    assert not lock.exists()
    with output_lock(lock, "the output"):
        assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}\n"
    assert not (tmp_path / "out").exists()  # created for the lock, removed with it


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path):
    lock = tmp_path / LOCK_FILE
    holder = _holder(lock)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert str(holder.pid) in lock.read_text()  # left behind
    with output_lock(lock, "the output"):
        assert lock.read_text().startswith(f"{os.getpid()} ")
    assert not lock.exists()


def test_without_flock_a_lock_file_of_a_live_process_refuses_and_a_stale_one_is_taken(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(files, "_fcntl", None)
    lock = tmp_path / LOCK_FILE
    host = socket.gethostname()
    lock.write_text(f"{os.getpid()} {host}\n")  # a live process
    with pytest.raises(OutputLockedError, match=f"process {os.getpid()} on {host}"):
        with output_lock(lock, "the output"):
            pass
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock.write_text(f"{ended.stdout.strip()} {host}\n")  # a process that has ended
    with output_lock(lock, "the output"):
        with pytest.raises(OutputLockedError):
            with output_lock(lock, "the output"):
                pass
    assert not lock.exists()


def _sciml(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sciml.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )


def test_a_second_train_into_the_same_folder_is_refused(base, tmp_path):
    out = tmp_path / "run"
    argv = _train(base, out, "--batch-size", "2")
    with run_folder_lock(out):  # the first writer: this process
        second = _sciml(*argv)
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1 and "Traceback" not in second.stderr
        assert f"run folder {out} is in use by process {os.getpid()}" in second.stderr
        assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]
    assert not out.exists()
    assert main(argv) == 0
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1


def test_a_second_generation_of_the_same_file_is_refused(tmp_path):
    out = tmp_path / "d.h5"
    argv = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "8"]
    with _parts_lock(tmp_path / "d.h5.parts", out, 0, 1):  # the first writer: this process
        second = _sciml(*argv, "--out", str(out))
        assert second.returncode == 2, second.stderr
        assert second.stderr.count("\n") == 1 and "run again" not in second.stderr
        assert f"dataset {out} is in use by process {os.getpid()}" in second.stderr
        assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
            "d.h5.parts",
            f"d.h5.parts/{LOCK_FILE}",
        ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert main([*argv, "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_shards_run_side_by_side_but_not_twice_nor_beside_the_assembly(tmp_path, capsys):
    out = tmp_path / "d.h5"
    argv = ["--quiet", "data", "generate", "darcy", "--n", "4", "--resolution", "8"]
    argv += ["--batch-size", "1", "--out", str(out)]
    parts = tmp_path / "d.h5.parts"
    with _parts_lock(parts, out, 1, 2):  # shard 1/2 is being computed by this process
        assert main([*argv, "--shard", "0/2"]) == 0  # another shard: side by side
        assert "2/4 batches done" in capsys.readouterr().out
        err = refused(capsys, [*argv, "--shard", "1/2"])
        assert f"shard 1/2 of {out} is in use by process {os.getpid()}" in err
        err = refused(capsys, argv)  # the assembly needs every shard finished
        assert f"dataset {out} is in use by process {os.getpid()}" in err
        assert not out.exists()
    assert main([*argv, "--shard", "1/2"]) == 0
    assert main(argv) == 0
    assert "(0 batches computed now)" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.h5"]


def test_refine_demo_and_precond_train_take_the_lock_of_their_folder(base, tmp_path, capsys):
    for argv, out in [
        (_refine(base, tmp_path / "refined"), tmp_path / "refined"),
        (["--quiet", "demo", "--out", str(tmp_path / "demo")], tmp_path / "demo"),
        (["--quiet", "precond", "train", "--out", str(tmp_path / "models")], tmp_path / "models"),
    ]:
        with output_lock(out / LOCK_FILE, "held by the test"):
            err = refused(capsys, argv)
            assert f"{out} is in use by process {os.getpid()}" in err
            assert [p.name for p in out.iterdir()] == [LOCK_FILE]
        assert not out.exists()


# --------------------------------------------------------------- the system's refusals


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["data", "generate", "darcy", "--n", "2", "--resolution", "8", "--out", "x.h5"],
         "_data_generate"),
        (["train", "--data", "d.h5", "--resolutions", "8", "--out", "run"], "_train"),
        (["evaluate", "run", "--json", "e.json"], "_evaluate"),
        (["discover", "--path", "sketch-and-precondition", "--json", "d.json"], "_discover"),
        (["precond", "train", "--out", "models"], "_precond_train"),
    ],
)
def test_an_os_error_is_one_line_naming_the_path(argv, command, capsys, monkeypatch, tmp_path):
    def denied(args):
        raise PermissionError(13, "Permission denied", str(tmp_path / "ro" / "x"))

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, command, denied)
    err = refused(capsys, argv)
    assert err == f"sciml: error: Permission denied: {tmp_path / 'ro' / 'x'}\n"


READ_ONLY_ARGV = [
    ["data", "generate", "darcy", "--n", "2", "--resolution", "8", "--out", "{ro}/x.h5"],
    ["train", "--data", "{data}", "--resolutions", "8", "--out", "{ro}/run"],
    ["evaluate", "{run}", "--json", "{ro}/e.json"],
    ["discover", "--path", "sketch-and-precondition", "--json", "{ro}/d.json"],
    ["precond", "train", "--out", "{ro}/models"],
]


def _filled(argv, **paths):
    return [arg.format(**paths) for arg in argv]


@pytest.mark.parametrize("argv", READ_ONLY_ARGV[:4])
def test_a_folder_this_process_may_not_write_is_refused_up_front(
    argv, base, tmp_path, capsys, monkeypatch
):
    """Before any work (an evaluation or a search can take long): checked with os.access,
    here made to say no for the folder, as the tests may run as root."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        cli.os, "access", lambda p, mode: Path(p) != ro and real_access(p, mode)
    )
    paths = {"ro": ro, "data": base / "d.h5", "run": base / "base"}
    err = refused(capsys, ["--quiet", *_filled(argv, **paths)])
    assert "no permission to write into the folder" in err and str(ro) in err
    assert list(ro.iterdir()) == []


@pytest.fixture
def read_only(tmp_path):
    """A folder this process may not write into (skips where chmod does not stop it: root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / "probe").touch()
    except PermissionError:
        yield ro
    else:
        pytest.skip("this process writes into read-only folders (root)")
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("argv", READ_ONLY_ARGV)
def test_a_read_only_folder_is_refused_in_one_line(argv, base, read_only, capsys):
    paths = {"ro": read_only, "data": base / "d.h5", "run": base / "base"}
    err = refused(capsys, ["--quiet", *_filled(argv, **paths)])
    assert str(read_only) in err
    assert list(read_only.iterdir()) == []
