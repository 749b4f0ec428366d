"""Operator config, the odd-grid-safe SpectralConv, and the neuraloperator models built from it."""

import io
import json
import math
import warnings

import pytest
import torch
from neuralop.layers.spectral_convolution import SpectralConv as NeuralopSpectralConv

from sciml.operators import OperatorConfig, SpectralConv, build_operator, count_parameters
from sciml.operators.fno import FNOOptions, TFNOOptions


def _config(**overrides):
    base = {"model": "fno", "in_channels": 2, "out_channels": 1, "n_modes": (4, 4)}
    return OperatorConfig(**{**base, "hidden_channels": 4, "n_layers": 2, **overrides})


def _twin_layers(n_modes, seed=0, **kwargs):
    """neuraloperator's SpectralConv and ours, holding the same weights."""
    torch.manual_seed(seed)
    ref = NeuralopSpectralConv(3, 2, n_modes, **kwargs)
    ours = SpectralConv(3, 2, n_modes, **kwargs)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def _band_limited(n, dims):
    """Three channels of trigonometric polynomials with |k_i| <= 3, sampled on n^dims points."""
    axes = torch.meshgrid(*[torch.arange(n, dtype=torch.float64) / n] * dims, indexing="ij")
    phase = [
        2 * math.pi * sum(c * a for c, a in zip(ks, axes, strict=False))
        for ks in ((2, 1, 1), (-3, 2, 0), (0, 3, -1), (1, -2, 3))
    ]
    u = torch.cos(phase[0]) + 0.5 * torch.sin(phase[1]) + 0.3 * torch.cos(phase[2]) + 0.2
    v = torch.sin(phase[3]) - 0.4 * torch.cos(phase[1])
    return torch.stack([u, v, u * 0.5 - v]).float()[None]


def _low_coefficients(y, dims, band=3):
    """Fourier coefficients (forward-normalised) of y for |k| <= band, grid-size independent."""
    c = torch.fft.rfftn(y.double(), dim=tuple(range(-dims, 0)), norm="forward")
    ks = torch.arange(-band, band + 1)
    for axis in range(dims - 1):
        c = c.index_select(2 + axis, ks % y.shape[2 + axis])
    return c[..., : band + 1]


# ----------------------------------------------------------------------------- config


def test_config_defaults_and_round_trip_through_json():
    config = OperatorConfig(model="fno", in_channels=1, out_channels=1, n_modes=[16, 16])
    assert config.n_modes == (16, 16) and config.n_dims == 2
    assert (config.hidden_channels, config.n_layers, config.positional_embedding) == (32, 4, "grid")
    assert config.spectral_conv == "fixed" and config.options == FNOOptions()
    d = json.loads(json.dumps(config.to_dict()))
    assert OperatorConfig.from_dict(d) == config
    assert d["n_modes"] == [16, 16]


def test_uno_layer_settings_are_derived_as_a_u_shape():
    config = OperatorConfig(
        model="uno", in_channels=1, out_channels=1, n_modes=(8, 6), hidden_channels=4, n_layers=5
    )
    assert config.options.layer_channels == (4, 8, 16, 8, 4)
    assert config.options.layer_modes == ((8, 6), (4, 3), (2, 1), (4, 3), (8, 6))
    assert config.options.layer_scalings == (1.0, 0.5, 0.5, 2.0, 2.0)
    assert math.prod(config.options.layer_scalings) == 1.0
    four = OperatorConfig(model="uno", in_channels=1, out_channels=1, n_modes=(8,), n_layers=4)
    assert four.options.layer_scalings == (1.0, 0.5, 1.0, 2.0)
    assert OperatorConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"model": "cno"}, "unknown operator model 'cno'; choose from 'fno', 'tfno', 'uno'"),
        ({"in_channels": 0}, "in_channels"),
        ({"out_channels": 1.5}, "out_channels"),
        ({"n_modes": ()}, "n_modes"),
        ({"n_modes": (4, 4, 4, 4)}, "n_modes"),
        ({"n_modes": (4, -2)}, r"n_modes\[1\]"),
        ({"n_modes": (4, True)}, r"n_modes\[1\]"),
        ({"n_modes": "44"}, "n_modes"),
        ({"hidden_channels": 0}, "hidden_channels"),
        ({"n_layers": 0}, "n_layers"),
        ({"positional_embedding": "sinusoidal"}, "positional_embedding"),
        ({"domain_padding": 2.0}, "domain_padding"),
        ({"model": "tfno", "options": {"rank": 0.0}}, "rank"),
        ({"spectral_conv": "legacy"}, "spectral_conv"),
        ({"options": {"layer_scalings": (1.0,) * 4}}, r"unknown fno options \['layer_scalings'\]"),
        ({"options": TFNOOptions()}, "options must be a mapping or FNOOptions"),
    ],
)
def test_config_rejects_bad_values_naming_them(overrides, message):
    base = {"model": "fno", "in_channels": 1, "out_channels": 1, "n_modes": (4, 4)}
    with pytest.raises(ValueError, match=message):
        OperatorConfig(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"layer_channels": (4, 4)}, "layer_channels must have n_layers=4"),
        ({"layer_modes": ((4, 4),) * 3 + ((4,),)}, r"layer_modes\[3\] must have 2"),
        ({"layer_scalings": (1, 0.5, -2, 1)}, r"layer_scalings\[2\]"),
    ],
)
def test_config_rejects_bad_uno_layers(overrides, message):
    base = {"model": "uno", "in_channels": 1, "out_channels": 1, "n_modes": (4, 4)}
    with pytest.raises(ValueError, match=message):
        OperatorConfig(**{**base, "options": overrides})


def test_from_dict_names_unknown_and_missing_keys():
    d = _config().to_dict()
    with pytest.raises(ValueError, match=r"unknown OperatorConfig keys \['modes', 'width'\]"):
        OperatorConfig.from_dict({**d, "width": 3, "modes": 2})
    del d["n_modes"]
    with pytest.raises(ValueError, match=r"missing OperatorConfig keys \['n_modes'\]"):
        OperatorConfig.from_dict(d)
    with pytest.raises(TypeError, match="mapping"):
        OperatorConfig.from_dict([("model", "fno")])


# ----------------------------------------------------------------------------- SpectralConv


@pytest.mark.parametrize(
    ("factorization", "implementation"), [(None, "reconstructed"), ("tucker", "factorized")]
)
@pytest.mark.parametrize(
    ("n_modes", "n"),
    [((8,), 16), ((8, 8), 16), ((8, 8), 32), ((8, 8), 6), ((7, 5), 16), ((4, 6, 4), 8)],
)
def test_matches_neuralop_on_even_grids(factorization, implementation, n_modes, n):
    ref, ours = _twin_layers(n_modes, factorization=factorization, implementation=implementation)
    x = torch.randn(2, 3, *[n] * len(n_modes), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(ours(x), ref(x), rtol=0, atol=1e-6)


@pytest.mark.parametrize("n", [15, 31])
def test_odd_grid_translation_equivariance_and_the_neuralop_defect(n):
    ref, ours = _twin_layers((8, 8))
    x = torch.randn(1, 3, n, n, generator=torch.Generator().manual_seed(2))
    for axis in (-2, -1):
        torch.testing.assert_close(ours(x.roll(1, axis)), ours(x).roll(1, axis), rtol=0, atol=1e-5)
    # neuraloperator 2.0.0 re-applies fftshift (#688): off by one frequency on odd axes but the
    # last (rfft, never shifted) one.
    assert (ref(x.roll(1, -2)) - ref(x).roll(1, -2)).abs().max() > 1e-2
    torch.testing.assert_close(ref(x.roll(1, -1)), ref(x).roll(1, -1), rtol=0, atol=1e-5)


@pytest.mark.parametrize(("dims", "n_modes"), [(1, (8,)), (2, (8, 8)), (2, (16, 16))])
@pytest.mark.parametrize(("odd", "even"), [(15, 16), (31, 32)])
def test_band_limited_output_does_not_depend_on_the_grid(dims, n_modes, odd, even):
    ref, ours = _twin_layers(n_modes)
    y_odd, y_even = ours(_band_limited(odd, dims)), ours(_band_limited(even, dims))
    c_odd, c_even = _low_coefficients(y_odd, dims), _low_coefficients(y_even, dims)
    torch.testing.assert_close(c_odd, c_even, rtol=0, atol=1e-6)
    assert c_even.abs().max() > 0.1
    # nothing leaks above the input band: the output is the same trigonometric polynomial
    assert _above_band(y_odd, dims) < 1e-6 and _above_band(y_even, dims) < 1e-6
    if dims == 2:
        wrong = _low_coefficients(ref(_band_limited(odd, dims)), dims)
        assert (wrong - c_even).abs().max() > 1e-2


def _above_band(y, dims, band=3):
    """Largest Fourier coefficient of y with some |k_i| > band."""
    c = torch.fft.rfftn(y.double(), dim=tuple(range(-dims, 0)), norm="forward")
    outside = torch.zeros(c.shape[2:], dtype=torch.bool)
    for axis, size in enumerate(y.shape[2:]):
        k = (
            torch.fft.rfftfreq(size, 1 / size)
            if axis == dims - 1
            else torch.fft.fftfreq(size, 1 / size)
        )
        shape = [-1 if a == axis else 1 for a in range(dims)]
        outside = outside | (k.abs() > band).view(shape)
    return c[..., outside].abs().max()


@pytest.mark.parametrize(("n_in", "n_out"), [(15, 16), (16, 15), (16, 32), (31, 16)])
def test_output_shape_resamples_spectrally(n_in, n_out):
    _, ours = _twin_layers((8, 8))
    direct = ours(_band_limited(n_out, 2))
    resampled = ours(_band_limited(n_in, 2), output_shape=(n_out, n_out))
    assert resampled.shape == direct.shape
    torch.testing.assert_close(resampled, direct, rtol=0, atol=1e-5)


def test_neuralop_resamples_negative_frequencies_to_the_wrong_place():
    # irfftn(s=bigger) zero-pads after the negative frequencies, which then read as high
    # positive ones; this is what UNO's scalings and FNO's output_shape go through.
    ref, ours = _twin_layers((8, 8))
    x16, x32 = _band_limited(16, 2), _band_limited(32, 2)
    assert (ref(x16, output_shape=(32, 32)) - ref(x32)).abs().max() > 0.1
    torch.testing.assert_close(ours(x16, output_shape=(32, 32)), ours(x32), rtol=0, atol=1e-5)


def test_spectral_conv_rejects_wrong_dims_and_backpropagates():
    _, ours = _twin_layers((4, 4))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, channels, 2 spatial dims\)"):
        ours(torch.randn(1, 3, 8))
    with pytest.raises(ValueError, match="output_shape must have 2 entries"):
        ours(torch.randn(1, 3, 8, 8), output_shape=(8,))
    ours(torch.randn(2, 3, 9, 9)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in ours.parameters())


# ----------------------------------------------------------------------------- models


@pytest.mark.parametrize(("model", "n_layers"), [("fno", 2), ("tfno", 2), ("uno", 3), ("uno", 4)])
@pytest.mark.parametrize("grid", [(15,), (16,), (15, 15), (16, 12), (9, 17)])
def test_built_models_follow_the_input_grid(model, n_layers, grid):
    config = _config(model=model, n_modes=(4,) * len(grid), out_channels=3, n_layers=n_layers)
    net = build_operator(config)
    x = torch.randn(2, 2, *grid)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = net(x)
    assert y.shape == (2, 3, *grid) and torch.isfinite(y).all()
    convs = [m for m in net.modules() if isinstance(m, NeuralopSpectralConv)]
    assert len(convs) == config.n_layers and all(isinstance(c, SpectralConv) for c in convs)


def test_neuralop_forward_warns_only_on_extra_keywords():
    net = build_operator(_config())
    x = torch.randn(1, 2, 8, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net(x)
        assert caught == []
        net(x, y=x)  # what neuralop's own Trainer does with model(**sample)
    assert any("unexpected keyword" in str(w.message) for w in caught)


def test_build_options_reach_neuralop(capsys):
    assert type(build_operator(_config(spectral_conv="neuralop")).fno_blocks.convs[0]) is (
        NeuralopSpectralConv
    )
    no_grid = build_operator(_config(positional_embedding=None))
    assert no_grid.positional_embedding is None and no_grid.lifting.fcs[0].in_channels == 2
    padded = build_operator(_config(domain_padding=0.25))
    assert padded.domain_padding is not None
    assert padded(torch.randn(1, 2, 12, 12)).shape == (1, 1, 12, 12)
    build_operator(_config(model="uno"))
    assert capsys.readouterr().out == ""  # UNO prints while it builds; we silence it
    with pytest.raises(TypeError, match="OperatorConfig"):
        build_operator({"model": "fno"})


def test_same_seed_same_bytes_and_state_dict_loads_weights_only():
    config = _config(model="tfno", n_modes=(6, 6))
    torch.manual_seed(3)
    a = build_operator(config)
    torch.manual_seed(3)
    b = build_operator(config)
    x = torch.randn(2, 2, 11, 11, generator=torch.Generator().manual_seed(4))
    assert a(x).detach().numpy().tobytes() == b(x).detach().numpy().tobytes()
    buffer = io.BytesIO()
    torch.save(a.state_dict(), buffer)  # neuralop would add a pickled `_metadata` entry
    buffer.seek(0)
    state = torch.load(buffer, weights_only=True)
    assert all(torch.is_tensor(v) for v in state.values())
    torch.manual_seed(5)
    c = build_operator(config)
    c.load_state_dict(state)
    assert torch.equal(c(x), a(x))


def test_count_parameters_by_hand():
    conv = SpectralConv(2, 3, (4, 4))  # weight (2, 3, 4, 4//2+1) complex, bias (3, 1, 1)
    assert count_parameters(conv) == 2 * (2 * 3 * 4 * 3) + 3
    linear = torch.nn.Linear(3, 2)
    linear.bias.requires_grad_(False)
    assert (count_parameters(linear), count_parameters(linear, trainable_only=False)) == (6, 8)
    fno = build_operator(_config(n_modes=(8, 8)))
    tfno = build_operator(_config(model="tfno", n_modes=(8, 8)))
    assert count_parameters(tfno) < count_parameters(fno)
    with pytest.raises(TypeError, match="model"):
        count_parameters("fno")
