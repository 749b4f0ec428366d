"""Readers for external PDE files: tiny files in each layout, read back value for value."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from sciml.data.pde.readers import open_external, read_neuralop_pt, read_pdebench, read_the_well
from sciml.data.pde.store import open_dataset

RNG_SEED = 1234


def rand(*shape: int, seed: int = RNG_SEED) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def same(tensor: torch.Tensor, array: np.ndarray) -> bool:
    return torch.equal(tensor, torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32)))


def write_h5(path, datasets: dict, attrs: dict | None = None):
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)
        f.attrs.update(attrs or {})
    return path


# ---------------------------------------------------------------------------------------------
# PDEBench


@pytest.fixture
def darcy(tmp_path):
    data = {
        "nu": rand(3, 8, 8, seed=1),
        "tensor": rand(3, 1, 8, 8, seed=2),
        "x-coordinate": np.linspace(0, 1, 8, dtype=np.float32),
        "y-coordinate": np.linspace(0, 1, 8, dtype=np.float32),
    }
    return write_h5(tmp_path / "2D_DarcyFlow_beta1.0_Train.hdf5", data), data


@pytest.fixture
def burgers(tmp_path):
    data = {
        "tensor": rand(2, 5, 8, seed=3),
        "t-coordinate": np.arange(6, dtype=np.float32) * 0.25,
        "x-coordinate": (np.arange(8, dtype=np.float32) + 0.5) / 8,
    }
    return write_h5(tmp_path / "1D_Burgers_Sols_Nu0.01.hdf5", data), data


@pytest.fixture
def ns(tmp_path):
    data = {
        "velocity": rand(2, 4, 8, 8, 2, seed=4),
        "particles": rand(2, 4, 8, 8, 1, seed=5),
        "force": rand(2, 8, 8, 2, seed=6),
        "t": np.tile(np.arange(4, dtype=np.float32) * 0.005, (2, 1)),
    }
    attrs = {"config": "sim_name: ns_incom_inhom_2d_512\nNU: 0.01\nseed: 0\n"}
    return write_h5(tmp_path / "ns_incom_inhom_2d_512-0.h5", data, attrs), data


def cfd_data(shape=(2, 3, 8, 8)):
    data = {k: rand(*shape, seed=10 + i) for i, k in enumerate(("Vx", "Vy", "density", "pressure"))}
    data["t-coordinate"] = np.arange(shape[1] + 1, dtype=np.float32)
    data["x-coordinate"] = np.arange(shape[2], dtype=np.float32)
    data["y-coordinate"] = np.arange(shape[3], dtype=np.float32)
    return data


@pytest.fixture
def cfd(tmp_path):
    data = cfd_data()
    path = tmp_path / "2D_CFD_Rand_M0.1_Eta0.01_Zeta1e-08_periodic_8_Train.hdf5"
    return write_h5(path, data), data


@pytest.mark.parametrize("in_memory", [True, False])
def test_darcy_pairs_attrs_and_coarse_view(darcy, in_memory):
    path, data = darcy
    ds = read_pdebench(path, in_memory=in_memory)
    assert len(ds) == 3 and ds.spatial_dims == 2 and ds.native_resolution == 8
    for i in range(3):
        x, y = ds[i]
        assert same(x, data["nu"][i][None]) and same(y, data["tensor"][i])
    x4, y4 = ds.at_resolution(4)[1]
    assert same(x4, data["nu"][1][None, ::2, ::2]) and same(y4, data["tensor"][1][:, ::2, ::2])
    assert ds.name == path.name
    assert ds.attrs["format"] == "pdebench" and ds.attrs["equation"] == "darcy"
    assert ds.attrs["beta"] == 1.0 and ds.attrs["path"] == str(path)
    np.testing.assert_array_equal(ds.attrs["x"], data["x-coordinate"])


def test_darcy_is_steady(darcy):
    with pytest.raises(ValueError, match="task='final'"):
        read_pdebench(darcy[0], task="next-step")


@pytest.mark.parametrize("in_memory", [True, False])
def test_burgers_final_and_next_step_pairs(burgers, in_memory):
    path, data = burgers
    u = data["tensor"]
    final = read_pdebench(path, in_memory=in_memory)
    assert len(final) == 2 and final.spatial_dims == 1
    for i in range(2):
        x, y = final[i]
        assert same(x, u[i, :1]) and same(y, u[i, -1:])
    steps = read_pdebench(path, task="next-step", input_steps=2, in_memory=in_memory)
    assert len(steps) == 2 * 3
    for j in range(6):
        traj, start = divmod(j, 3)
        x, y = steps[j]
        assert same(x, u[traj, start : start + 2]) and same(y, u[traj, start + 2][None])
    x4, y4 = steps.at_resolution(4)[4]
    assert same(x4, u[1, 1:3, ::2]) and same(y4, u[1, 3][None, ::2])
    assert final.attrs["equation"] == "burgers" and final.attrs["nu"] == 0.01
    assert final.attrs["viscosity"] == pytest.approx(0.01 / np.pi)
    np.testing.assert_array_equal(final.attrs["t"], data["t-coordinate"][:5])


def test_burgers_final_with_several_input_frames(burgers):
    path, data = burgers
    x, y = read_pdebench(path, task="final", input_steps=3)[1]
    assert same(x, data["tensor"][1, :3]) and same(y, data["tensor"][1, -1][None])


@pytest.mark.parametrize("in_memory", [True, False])
def test_ns_velocity_channels_and_fields(ns, in_memory):
    path, data = ns
    v, p, force = data["velocity"], data["particles"], data["force"]
    ds = read_pdebench(path, task="next-step", in_memory=in_memory)
    assert len(ds) == 2 * 3 and ds.attrs["channels"] == ["velocity_x", "velocity_y"]
    x, y = ds[4]  # trajectory 1, frames 1 -> 2
    assert same(x, np.moveaxis(v[1, 1], -1, 0)) and same(y, np.moveaxis(v[1, 2], -1, 0))
    both = read_pdebench(path, task="next-step", fields=("velocity", "particles"))
    x, _ = both[0]
    assert x.shape == (3, 8, 8)
    assert same(x[:2], np.moveaxis(v[0, 0], -1, 0)) and same(x[2], p[0, 0, ..., 0])
    forced = read_pdebench(path, task="final", fields=("force", "velocity"))
    x, y = forced[1]
    assert forced.attrs["channels"] == ["force_x", "force_y", "velocity_x", "velocity_y"]
    assert same(x[:2], np.moveaxis(force[1], -1, 0)) and same(y[:2], np.moveaxis(force[1], -1, 0))
    assert same(y[2:], np.moveaxis(v[1, -1], -1, 0))
    x4, _ = ds.at_resolution(4)[0]
    assert same(x4, np.moveaxis(v[0, 0], -1, 0)[:, ::2, ::2])
    assert ds.attrs["nu"] == 0.01 and ds.attrs["equation"] == "navier-stokes-incompressible"
    np.testing.assert_array_equal(ds.attrs["t"], data["t"])
    with pytest.raises(ValueError, match="fields must be"):
        read_pdebench(path, fields=("vorticity",))


def test_cfd_channel_order_and_attrs(cfd):
    path, data = cfd
    order = ("Vx", "Vy", "density", "pressure")
    ds = read_pdebench(path, task="next-step")
    assert len(ds) == 2 * 2 and ds.attrs["channels"] == list(order)
    x, y = ds[3]  # trajectory 1, frames 1 -> 2
    assert same(x, np.stack([data[k][1, 1] for k in order]))
    assert same(y, np.stack([data[k][1, 2] for k in order]))
    x4, _ = ds.at_resolution(4)[3]
    assert same(x4, np.stack([data[k][1, 1, ::2, ::2] for k in order]))
    picked = read_pdebench(path, fields=("pressure", "Vx"))
    assert same(picked[0][1], np.stack([data["pressure"][0, -1], data["Vx"][0, -1]]))
    assert ds.attrs["mach"] == 0.1 and ds.attrs["eta"] == 0.01 and ds.attrs["zeta"] == 1e-8
    np.testing.assert_array_equal(ds.attrs["y"], data["y-coordinate"])


def test_pdebench_unknown_layout_names_file_keys_and_layouts(tmp_path):
    path = write_h5(tmp_path / "mystery.hdf5", {"foo": np.zeros(3)})
    with pytest.raises(ValueError, match="mystery.hdf5") as err:
        read_pdebench(path)
    assert "'foo'" in str(err.value) and "Darcy" in str(err.value) and "Vx" in str(err.value)


def test_pdebench_missing_key_is_named(tmp_path):
    data = cfd_data()
    del data["pressure"]
    path = write_h5(tmp_path / "2D_CFD_broken.hdf5", data)
    with pytest.raises(ValueError, match="cfd lacks pressure"):
        read_pdebench(path)


def test_pdebench_bad_shapes_and_non_square_grid(tmp_path):
    path = write_h5(tmp_path / "2D_CFD_wide.hdf5", cfd_data((2, 3, 8, 6)))
    with pytest.raises(ValueError, match="grid is 8x6"):
        read_pdebench(path)
    darcy = {"nu": rand(3, 8, 8), "tensor": rand(2, 1, 8, 8)}
    path = write_h5(tmp_path / "2D_DarcyFlow_beta1.0_bad.hdf5", darcy)
    with pytest.raises(ValueError, match=r"'tensor' has shape \(2, 1, 8, 8\), expected \(3, 1"):
        read_pdebench(path)


def test_pdebench_bad_arguments(burgers):
    with pytest.raises(ValueError, match="task must be"):
        read_pdebench(burgers[0], task="rollout")
    with pytest.raises(ValueError, match="input_steps must be"):
        read_pdebench(burgers[0], task="next-step", input_steps=5)
    with pytest.raises(ValueError, match="fields applies"):
        read_pdebench(burgers[0], fields=("u",))
    with pytest.raises(FileNotFoundError, match="nowhere.hdf5"):
        read_pdebench(burgers[0].parent / "nowhere.hdf5")


@pytest.mark.parametrize("reader", [read_pdebench, read_the_well, open_external])
def test_truncated_and_random_files_give_value_error(darcy, tmp_path, reader):
    path, _ = darcy
    truncated = tmp_path / "2D_DarcyFlow_beta1.0_cut.hdf5"
    truncated.write_bytes(path.read_bytes()[:1024])
    with pytest.raises(ValueError, match="cut.hdf5.*truncated"):
        reader(truncated)
    noise = tmp_path / "noise.h5"
    noise.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ValueError, match="noise.h5"):
        reader(noise)


def test_nan_sample_is_named_when_indexed(tmp_path, burgers):
    _, data = burgers
    u = data["tensor"].copy()
    u[1, 3, 5] = np.nan
    path = write_h5(tmp_path / "1D_Burgers_Sols_Nu0.1.hdf5", {**data, "tensor": u})
    ds = read_pdebench(path, task="next-step")  # 4 pairs per trajectory
    for clean in range(6):
        assert ds[clean][0].isfinite().all()
    with pytest.raises(ValueError, match=r"1D_Burgers_Sols_Nu0.1.hdf5: sample 6 .* its target"):
        ds[6]
    with pytest.raises(ValueError, match=r"sample 7 has NaN or Inf in its input"):
        ds[7]


def test_nan_in_darcy_coefficient_is_named(tmp_path, darcy):
    _, data = darcy
    nu = data["nu"].copy()
    nu[2, 0, 0] = np.inf
    path = write_h5(tmp_path / "2D_DarcyFlow_beta0.1_Train.hdf5", {**data, "nu": nu})
    ds = read_pdebench(path)
    ds[1]
    with pytest.raises(ValueError, match="sample 2 has NaN or Inf in its input"):
        ds[2]


# ---------------------------------------------------------------------------------------------
# neuraloperator .pt


class Opaque:
    """An arbitrary object: unpickling it would run code of the file's choosing."""


@pytest.fixture
def pt_folder(tmp_path):
    x = torch.from_numpy(rand(3, 8, 8, seed=20) > 0)  # bool coefficient, as in darcy_*.pt
    y = torch.from_numpy(rand(3, 8, 8, seed=21))
    torch.save({"x": x, "y": y}, tmp_path / "darcy_train_8.pt")
    torch.save({"x": y[:, None].double(), "y": y[:, None] * 2}, tmp_path / "darcy_test_8.pt")
    return tmp_path, x.numpy(), y.numpy()


def test_neuralop_pt_pairs_views_and_attrs(pt_folder):
    folder, x, y = pt_folder
    ds = read_neuralop_pt(folder, "darcy", 8)
    assert len(ds) == 3 and ds.spatial_dims == 2 and ds.name == "darcy_train_8.pt"
    for i in range(3):
        xi, yi = ds[i]
        assert same(xi, x[i][None].astype(np.float32)) and same(yi, y[i][None])
    x4, y4 = ds.at_resolution(4)[2]
    assert same(x4, x[2][None, ::2, ::2].astype(np.float32)) and same(y4, y[2][None, ::2, ::2])
    assert ds.attrs["format"] == "neuraloperator-pt" and ds.attrs["split"] == "train"
    assert ds.attrs["dtypes"] == {"x": "torch.bool", "y": "torch.float32"}
    test = read_neuralop_pt(folder, "darcy", 8, split="test")  # channel axis kept: (N, 1, X, Y)
    xi, yi = test[1]
    assert same(xi, y[1][None]) and same(yi, 2 * y[1][None])


def test_neuralop_pt_missing_file_lists_folder(pt_folder):
    folder, *_ = pt_folder
    with pytest.raises(FileNotFoundError, match="darcy_train_16.pt.*darcy_test_8.pt"):
        read_neuralop_pt(folder, "darcy", 16)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_neuralop_pt(folder / "nope", "darcy", 8)
    with pytest.raises(ValueError, match="split must be"):
        read_neuralop_pt(folder, "darcy", 8, split="valid")


def test_neuralop_pt_refuses_pickled_objects_and_bad_content(tmp_path):
    torch.save({"x": torch.zeros(2, 4, 4), "y": Opaque()}, tmp_path / "a_train_4.pt")
    with pytest.raises(ValueError, match=r"a_train_4.pt holds objects other than tensors.*safety"):
        read_neuralop_pt(tmp_path, "a", 4)
    (tmp_path / "b_train_4.pt").write_bytes(b"not a torch file at all")
    with pytest.raises(ValueError, match="b_train_4.pt"):
        read_neuralop_pt(tmp_path, "b", 4)
    torch.save({"x": torch.zeros(2, 4, 4)}, tmp_path / "c_train_4.pt")
    with pytest.raises(ValueError, match="no input/target pair among the keys \\['x'\\]"):
        read_neuralop_pt(tmp_path, "c", 4)
    torch.save({"x": torch.zeros(2, 4, 6), "y": torch.zeros(2, 4, 6)}, tmp_path / "d_train_4.pt")
    with pytest.raises(ValueError, match="grid is 4x6"):
        read_neuralop_pt(tmp_path, "d", 4)


def test_neuralop_single_file_with_input_output_and_viscosity(tmp_path):
    # the layout of neuraloperator's burgers_lowres.pt: input (N, X), output (N, T, X), visc
    u0 = torch.from_numpy(rand(4, 16, seed=40))
    trajectory = torch.from_numpy(rand(4, 5, 16, seed=41))
    torch.save({"input": u0, "output": trajectory, "visc": torch.tensor(0.01)},
               tmp_path / "burgers_lowres.pt")
    data = open_external(tmp_path / "burgers_lowres.pt")
    assert len(data) == 4 and data.spatial_dims == 1 and data.native_resolution == 16
    x, y = data[3]
    assert same(x, u0[3][None].numpy()) and same(y, trajectory[3].numpy())
    assert data.attrs["keys"] == ["input", "output"] and data.attrs["extra_keys"] == ["visc"]
    assert data.attrs["extra"]["visc"] == pytest.approx(0.01)


def test_neuralop_file_of_any_name_and_its_errors(tmp_path):
    a, u = rand(3, 8, 8, seed=42), rand(3, 2, 8, 8, seed=43)
    torch.save({"a": torch.from_numpy(a), "u": torch.from_numpy(u)}, tmp_path / "darcy-set.pt")
    data = open_dataset(tmp_path / "darcy-set.pt")
    assert [tuple(t.shape) for t in data[0]] == [(1, 8, 8), (2, 8, 8)]
    assert same(data[2][1], u[2])
    torch.save({"input": torch.zeros(3, 8), "output": torch.zeros(2, 8)}, tmp_path / "n.pt")
    with pytest.raises(ValueError, match="'input' has 3 samples but 'output' has 2"):
        open_external(tmp_path / "n.pt")
    torch.save({"input": torch.zeros(3, 8), "output": torch.zeros(3, 2, 2, 8)}, tmp_path / "d.pt")
    with pytest.raises(ValueError, match=r"'output' has shape \(3, 2, 2, 8\); with a 1-D input"):
        open_external(tmp_path / "d.pt")
    torch.save([torch.zeros(3)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="expected a dict of tensors, found a list"):
        open_external(tmp_path / "list.pt")


# ---------------------------------------------------------------------------------------------
# The Well


def write_well(path, *, n=2, steps=4, grid=(8, 8), extra=None):
    fields = {
        "pressure": rand(n, steps, *grid, seed=30),
        "density": rand(n, steps, *grid, seed=31),
        "mask": (rand(*grid, seed=32) > 0).astype(np.float32),
        "velocity": rand(n, steps, *grid, 2, seed=33),
        "stress": rand(n, steps, *grid, 2, 2, seed=34),
    }
    with h5py.File(path, "w") as f:
        f.attrs.update(
            dataset_name="toy_flow",
            grid_type="cartesian",
            n_spatial_dims=2,
            n_trajectories=n,
            simulation_parameters=["Re"],
            Re=100.0,
        )
        dims = f.create_group("dimensions")
        dims.attrs["spatial_dims"] = ["x", "y"]
        dims["time"] = np.arange(steps, dtype=np.float32) * 0.1
        dims["x"] = np.linspace(0, 1, grid[0], dtype=np.float32)
        dims["y"] = np.linspace(0, 1, grid[1], dtype=np.float32)
        bc = f.create_group("boundary_conditions").create_group("x_periodic")
        bc.attrs["bc_type"] = "periodic"
        scalars = f.create_group("scalars")
        scalars.attrs["field_names"] = ["Re"]
        scalars["Re"] = np.float32(100.0)
        layout = {
            "t0_fields": ["pressure", "density", "mask", *(extra or {})],
            "t1_fields": ["velocity"],
            "t2_fields": ["stress"],
        }
        fields.update(extra or {})
        for group_name, names in layout.items():
            group = f.create_group(group_name)
            group.attrs["field_names"] = names
            for name in names:
                value = fields[name]
                dim_varying = [True, True]
                if isinstance(value, tuple):
                    value, dim_varying = value
                    fields[name] = value
                d = group.create_dataset(name, data=value)
                constant = name == "mask"
                d.attrs.update(
                    time_varying=not constant, sample_varying=not constant, dim_varying=dim_varying
                )
    return path, fields


def well_frame(fields, names, traj, t):
    parts = []
    for name in names:
        value = fields[name]
        value = value if name == "mask" else value[traj, t]
        parts.append(value.reshape(*value.shape[:2], -1).transpose(2, 0, 1))
    return np.concatenate(parts)


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_well_channels_pairs_and_attrs(tmp_path, in_memory):
    path, fields = write_well(tmp_path / "toy_flow_00.hdf5")
    ds = read_the_well(path, input_steps=2, in_memory=in_memory)
    default = ["pressure", "density", "velocity", "stress"]  # field_names order; mask is constant
    assert ds.attrs["channels"] == [
        "pressure",
        "density",
        "velocity_x",
        "velocity_y",
        "stress_xx",
        "stress_xy",
        "stress_yx",
        "stress_yy",
    ]
    assert len(ds) == 2 * 2
    x, y = ds[3]  # trajectory 1, frames 1, 2 -> 3
    expected_x = np.concatenate([well_frame(fields, default, 1, t) for t in (1, 2)])
    assert x.shape == (16, 8, 8) and same(x, expected_x)
    assert same(y, well_frame(fields, default, 1, 3))
    np.testing.assert_array_equal(
        well_frame(fields, ["stress"], 0, 0)[1], fields["stress"][0, 0, :, :, 0, 1]
    )
    x4, _ = ds.at_resolution(4)[3]
    assert same(x4, expected_x[:, ::2, ::2])
    attrs = ds.attrs
    assert attrs["format"] == "the-well" and attrs["equation"] == "toy_flow"
    assert attrs["parameters"] == {"Re": 100.0} and attrs["constant_fields"] == ["mask"]
    assert attrs["boundary_conditions"] == {"x_periodic": "periodic"}
    np.testing.assert_allclose(attrs["time"], [0, 0.1, 0.2, 0.3], rtol=1e-6)
    assert ds.name == "toy_flow_00.hdf5"


def test_the_well_constant_fields_are_broadcast_when_asked(tmp_path):
    path, fields = write_well(tmp_path / "toy.hdf5")
    ds = read_the_well(path, fields=["velocity", "mask"], task="final")
    assert ds.attrs["channels"] == ["velocity_x", "velocity_y", "mask"]
    x, y = ds[1]
    assert same(x, well_frame(fields, ["velocity", "mask"], 1, 0))
    assert same(y, well_frame(fields, ["velocity", "mask"], 1, -1))
    assert same(y[2], fields["mask"])


def test_the_well_dim_varying_axis_is_broadcast(tmp_path):
    profile = rand(2, 4, 8, seed=40)  # varies along x only, stored without the y axis
    path, _ = write_well(tmp_path / "toy.hdf5", extra={"profile": (profile, [True, False])})
    ds = read_the_well(path, fields=["profile"], in_memory=True)
    x, y = ds[1]  # trajectory 0, frames 1 -> 2
    assert same(x[0], np.repeat(profile[0, 1][:, None], 8, axis=1))
    assert same(y[0], np.repeat(profile[0, 2][:, None], 8, axis=1))


def test_the_well_bad_inputs(tmp_path):
    path, _ = write_well(tmp_path / "toy.hdf5")
    with pytest.raises(ValueError, match="fields must be distinct names from .*'stress'"):
        read_the_well(path, fields=["vorticity"])
    path, _ = write_well(tmp_path / "wide.hdf5", grid=(8, 4))
    with pytest.raises(ValueError, match="wide.hdf5: the grid is 8x4"):
        read_the_well(path)
    path, _ = write_well(tmp_path / "short.hdf5")
    with h5py.File(path, "a") as f:
        del f["t0_fields/density"]
        f["t0_fields/density"] = rand(2, 3, 8, 8)
    with pytest.raises(
        ValueError, match=r"'density' has shape \(2, 3, 8, 8\), expected \(2, 4, 8, 8\)"
    ):
        read_the_well(path)
    with h5py.File(path, "a") as f:
        del f.attrs["n_trajectories"]
    with pytest.raises(ValueError, match="n_trajectories"):
        read_the_well(path)
    darcy = write_h5(tmp_path / "not_well.hdf5", {"nu": rand(2, 4, 4), "tensor": rand(2, 1, 4, 4)})
    with pytest.raises(ValueError, match="not_well.hdf5: not in The Well layout"):
        read_the_well(darcy)


# ---------------------------------------------------------------------------------------------
# Dispatch


def test_open_external_dispatches_on_content_and_suffix(tmp_path, darcy, cfd, pt_folder):
    well_path, fields = write_well(tmp_path / "toy.hdf5")
    well = open_external(well_path, task="final")
    assert well.attrs["format"] == "the-well" and same(
        well[0][1], well_frame(fields, ["pressure", "density", "velocity", "stress"], 0, -1)
    )
    assert open_external(darcy[0]).attrs["layout"] == "darcy"
    cfd_ds = open_external(cfd[0], task="next-step", input_steps=2)
    assert cfd_ds.attrs["layout"] == "cfd" and len(cfd_ds) == 2
    folder, _, y = pt_folder
    pt = open_external(folder / "darcy_train_8.pt")
    assert pt.attrs["format"] == "neuraloperator-pt" and same(pt[0][1], y[0][None])


def test_open_external_rejects_unknown_files(tmp_path):
    path = write_h5(tmp_path / "other.h5", {"a": np.zeros(2), "b": np.ones(2)})
    with pytest.raises(ValueError, match=r"other.h5: unknown layout with keys \['a', 'b'\]"):
        open_external(path)
    torch.save({"weights": torch.zeros(3), "bias": torch.zeros(1)}, tmp_path / "weights.pt")
    with pytest.raises(ValueError, match=r"weights.pt: no input/target pair among the keys "
                       r"\['bias', 'weights'\]; expected one of 'x'/'y', 'input'/'output'"):
        open_external(tmp_path / "weights.pt")
    with pytest.raises(FileNotFoundError):
        open_external(tmp_path / "missing.h5")
