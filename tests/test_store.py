import h5py
import numpy as np
import pytest

import sciml.data.pde.store as store
from sciml.cli import main
from sciml.data.pde.store import dataset_info, generate_dataset, open_dataset, parse_shard

SMALL = {"n": 5, "resolution": 8, "seed": 3, "batch_size": 2, "progress": False}


def read_arrays(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][()] for k in ("a", "u")}


def test_generate_writes_metadata_and_leaves_nothing_else(tmp_path):
    out = tmp_path / "darcy.h5"
    result = generate_dataset("darcy", out, **SMALL)
    assert result.complete and result.batches_computed == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["darcy.h5"]
    info = dataset_info(out)
    assert info["equation"] == "darcy" and info["seed"] == 3 and info["resolution"] == 8
    assert info["params"]["a_high"] == 12.0 and info["generator_version"] == "2"
    assert info["arrays"]["a"]["shape"] == [5, 8, 8]
    assert info["arrays"]["coords/x"]["shape"] == [8]
    assert set(np.unique(read_arrays(out)["a"])) == {3.0, 12.0}


def test_same_seed_same_bytes_and_shards_match(tmp_path, every_dataset):
    whole = tmp_path / "whole.h5"
    generate_dataset("darcy", whole, **SMALL)
    again = tmp_path / "again.h5"
    generate_dataset("darcy", again, **SMALL)
    sharded = tmp_path / "sharded.h5"
    first = generate_dataset("darcy", sharded, shard=(0, 2), **SMALL)
    assert not first.complete and first.batches_done == 2 and not sharded.exists()
    generate_dataset("darcy", sharded, shard=(1, 2), **SMALL)
    last = generate_dataset("darcy", sharded, **SMALL)
    assert last.complete and last.batches_computed == 0
    reference = every_dataset(whole)
    assert set(reference) == {"a", "u", "coords/x"}
    for other in (again, sharded):
        assert every_dataset(other) == reference


def test_killed_generation_resumes_with_the_same_result(tmp_path, monkeypatch, every_dataset):
    reference = tmp_path / "ref.h5"
    generate_dataset("darcy", reference, **SMALL)
    out = tmp_path / "resumed.h5"
    real_draw, calls = store.draw, []

    def dies_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(store, "draw", dies_on_second_batch)
    with pytest.raises(KeyboardInterrupt):
        generate_dataset("darcy", out, **SMALL)
    assert not out.exists()
    monkeypatch.setattr(store, "draw", real_draw)
    result = generate_dataset("darcy", out, **SMALL)
    assert result.batches_computed == 2
    assert every_dataset(out) == every_dataset(reference)


def test_resuming_with_other_settings_is_refused(tmp_path):
    out = tmp_path / "d.h5"
    generate_dataset("darcy", out, shard=(0, 2), **SMALL)
    with pytest.raises(ValueError, match="seed: 3 there, 4 asked"):
        generate_dataset("darcy", out, **{**SMALL, "seed": 4})
    generate_dataset("darcy", out, **SMALL)
    with pytest.raises(FileExistsError, match="resolution"):
        generate_dataset("darcy", out, **{**SMALL, "resolution": 16})


def test_nan_in_a_sample_is_named_and_nothing_is_written(tmp_path, monkeypatch):
    def nan_draw(generator, indices, *args):
        u = np.zeros((len(indices), 8, 8))
        u[-1, 0, 0] = np.nan
        return {"a": u, "u": u}

    monkeypatch.setattr(store, "draw", nan_draw)
    with pytest.raises(FloatingPointError, match="sample 1 has NaN"):
        generate_dataset("darcy", tmp_path / "d.h5", **SMALL)
    assert not (tmp_path / "d.h5").exists()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "darcyy"}, ValueError, "unknown PDE 'darcyy'"),
        ({"n": 0}, ValueError, "n must be a positive integer"),
        ({"resolution": 2}, ValueError, "resolution must be an integer >= 4"),
        ({"params": {"viscosity": 1.0}}, ValueError, "unknown parameter 'viscosity'"),
        ({"params": {"a_high": "big"}}, TypeError, "'a_high' must be a number"),
    ],
)
def test_bad_generation_requests(tmp_path, kwargs, error, message):
    args = {"name": "darcy", **SMALL, **kwargs}
    with pytest.raises(error, match=message):
        generate_dataset(args.pop("name"), tmp_path / "x.h5", **args)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["2/2", "a/b", "1", "-1/3"])
def test_bad_shards(text):
    with pytest.raises(ValueError, match="shard"):
        parse_shard(text)


def test_open_dataset_views(tmp_path):
    out = tmp_path / "d.h5"
    generate_dataset("darcy", out, **SMALL)
    ds = open_dataset(out)
    arrays = read_arrays(out)
    x, y = ds[4]
    np.testing.assert_array_equal(x[0].numpy(), arrays["a"][4])
    np.testing.assert_array_equal(y[0].numpy(), arrays["u"][4])
    x4, _ = ds.at_resolution(4)[4]
    np.testing.assert_array_equal(x4[0].numpy(), arrays["a"][4, ::2, ::2])
    assert ds.at_resolution(4, "spectral")[0][1].shape == (1, 4, 4)
    with pytest.raises(ValueError, match="finer than the stored grid"):
        ds.at_resolution(16)


def test_truncated_file_is_reported(tmp_path):
    out = tmp_path / "d.h5"
    generate_dataset("darcy", out, **SMALL)
    broken = tmp_path / "broken.h5"
    broken.write_bytes(out.read_bytes()[:1000])
    with pytest.raises(ValueError, match="broken.h5: cannot be read as HDF5"):
        dataset_info(broken)
    with pytest.raises(FileNotFoundError, match="no such file"):
        open_dataset(tmp_path / "missing.h5")


def test_cli_generate_info_and_errors(tmp_path, capsys):
    out = tmp_path / "d.h5"
    argv = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "8", "--out"]
    assert main([*argv, str(out), "--param", "a_low=2"]) == 0
    assert main(["data", "info", str(out)]) == 0
    assert '"a_low": 2.0' in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "generate", "heat", "--n", "2", "--resolution", "8", "--out", "h.h5"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown PDE 'heat'" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "generate", "darcy", "--n", "-3", "--resolution", "8", "--out", "x.h5"])
    assert exit_info.value.code == 2
    assert main(["data", "info", str(tmp_path / "nope.h5")]) == 2


def test_device_is_refused_by_cpu_only_generators(tmp_path):
    with pytest.raises(ValueError, match="darcy runs on the CPU only"):
        generate_dataset("darcy", tmp_path / "d.h5", device="cuda", **SMALL)


def test_trajectory_dataset_round_trip(tmp_path):
    out = tmp_path / "ns.h5"
    params = {"t_final": 0.2, "n_times": 3, "dt": 0.01}
    generate_dataset("navier-stokes", out, n=2, resolution=16, params=params, progress=False)
    with h5py.File(out, "r") as f:
        w = f["w"][()]
        t = f["coords/t"][()]
    np.testing.assert_allclose(t, [0.0, 0.1, 0.2])
    pairs = open_dataset(out, task="next-step")
    assert len(pairs) == 2 * 2
    x, y = pairs[3]  # trajectory 1, frames 1 -> 2
    np.testing.assert_array_equal(x[0].numpy(), w[1, 1])
    np.testing.assert_array_equal(y[0].numpy(), w[1, 2])
    x, y = open_dataset(out, task="final", input_steps=2)[1]
    assert x.shape == (2, 16, 16)
    np.testing.assert_array_equal(y[0].numpy(), w[1, 2])
