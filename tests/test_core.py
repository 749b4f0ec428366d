"""sciml.core: atomic writes leave no partial file, checks raise the one error form, the
registry lists and rejects names."""

import json
import os

import numpy as np
import pytest
import torch

from sciml.core import (
    Registry,
    atomic_path,
    check_choice,
    check_integer,
    check_nonnegative,
    check_positive,
    check_probability,
    save_torch,
    write_bytes,
    write_json,
    write_npz,
    write_text,
)
from sciml.core.figures import save_figure


def test_writers_round_trip(tmp_path):
    assert write_text(tmp_path / "a" / "t.txt", "x").read_text() == "x"
    assert write_bytes(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert json.loads(write_json(tmp_path / "j.json", {"k": [1, 2]}).read_text()) == {"k": [1, 2]}
    with np.load(write_npz(tmp_path / "a.npz", {"u": np.arange(3)})) as z:
        np.testing.assert_array_equal(z["u"], np.arange(3))
    payload = torch.load(save_torch(tmp_path / "c.pt", {"w": torch.ones(2)}), weights_only=True)
    assert torch.equal(payload["w"], torch.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "a.npz", "b.bin", "c.pt", "j.json"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = write_text(tmp_path / "keep.txt", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_save_figure_writes_and_closes(tmp_path):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1])
    path = save_figure(fig, tmp_path / "f.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)
    assert os.listdir(tmp_path) == ["f.png"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_positive(0, "lr"), "lr must be a positive number, got 0"),
        (lambda: check_positive(1.5, "n", integer=True), "n must be a positive integer, got 1.5"),
        (lambda: check_positive(True, "n", integer=True), "n must be a positive integer, got True"),
        (lambda: check_positive(float("nan"), "lr"), "lr must be a positive number, got nan"),
        (lambda: check_nonnegative(-1, "seed", integer=True), "seed must be a non-negative"),
        (lambda: check_integer(2, "k", minimum=3), "k must be an integer >= 3, got 2"),
        (lambda: check_probability(-0.1, "p"), "p must be a number in [0, 1], got -0.1"),
        (lambda: check_choice("x", "mode", ("a", "b")), "mode must be one of 'a', 'b', got 'x'"),
    ],
)
def test_checks_raise_the_one_form(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value).startswith(message)


def test_checks_return_plain_types():
    assert type(check_positive(np.int64(3), "n", integer=True)) is int
    assert check_positive(np.float32(0.5), "lr") == 0.5
    assert check_nonnegative(0.0, "w") == 0.0


def test_registry():
    reg = Registry("widget")
    reg.register("a", 1, help="first")
    reg.register("b", "math:pi")
    assert reg.names() == ("a", "b") and "a" in reg and len(reg) == 2
    assert reg["b"] == pytest.approx(3.141592653589793)
    assert reg.help() == "a (first); b"
    with pytest.raises(ValueError, match="unknown widget 'c'; choose from 'a', 'b'"):
        reg["c"]
    with pytest.raises(ValueError, match="--kind: unknown widget 3"):
        reg.check(3, "--kind")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 3)
    reg.unregister("a")
    assert reg.names() == ("b",)


def test_temporary_files_of_ended_processes_are_removed(tmp_path):
    import subprocess
    import sys

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    orphan = tmp_path / f".run.{int(ended.stdout)}.tmp.json"
    orphan.write_text("{half")
    running = tmp_path / f".run.{os.getppid()}.tmp.json"  # a live process's write in flight
    running.write_text("{")
    other = tmp_path / ".other.1.tmp.json"
    other.write_text("{")
    write_json(tmp_path / "run.json", {})
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, running.name, "run.json"]
