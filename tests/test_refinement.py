import math

import numpy as np
import pytest
import torch

from sciml.diagnostics.bands import band_errors, band_ratios
from sciml.diagnostics.contraction import contraction_factor
from sciml.operators.irno import refine, refinement_step
from sciml.operators.refiner import RefinerConfig, UNetRefiner
from sciml.training.irno_loss import (
    contraction_penalty,
    fixed_point_warmup,
    progressive_exponents,
    spectral_loss,
    spectral_weights,
    unrolled_loss,
)
from sciml.training.losses import relative_l2_per_field, vrmse


def _pull_to(c):
    """Φ([x, h]) = c − h: the update h + α(c − h) contracts by 1 − α towards c."""
    return lambda z: c - z[:, 1:]


def test_fixed_point_update_converges_linearly_to_the_fixed_point():
    gen = torch.Generator().manual_seed(0)
    x, h0, c = (torch.randn(2, 1, 8, 8, generator=gen) for _ in range(3))
    alpha = 0.3
    step = refinement_step(_pull_to(c), x, h0, alpha)
    assert torch.allclose(step, h0 + alpha * (c - h0))
    iterates = refine(_pull_to(c), x, h0, alpha, steps=5)
    for k, h in enumerate(iterates, start=1):
        assert torch.allclose(h - c, (1 - alpha) ** k * (h0 - c), atol=1e-6)


def test_truncated_backpropagation_cuts_the_gradient_path():
    # Φ([x, h]) = −w·h: h_{k+1} = (1 − αw)·h_k, so h_4 = (1 − αw)⁴·h_0
    alpha, h0, x = 0.2, torch.ones(1, 1, 4, 4), torch.zeros(1, 1, 4, 4)
    for truncate, factor in ((None, 4), (4, 4), (2, 2), (1, 1)):
        w = torch.tensor(1.0, requires_grad=True)
        refine(lambda z, w=w: -w * z[:, 1:], x, h0, alpha, 4, truncate)[-1][0, 0, 0, 0].backward()
        # only the last `factor` updates carry w's gradient: d/dw (1 − αw)^m · h_{4−m}
        expected = -alpha * factor * (1 - alpha) ** (factor - 1) * (1 - alpha) ** (4 - factor)
        assert w.grad.item() == pytest.approx(expected)


def test_bad_steps_and_alpha_are_named():
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="steps"):
        refine(_pull_to(x), x, x, 0.2, steps=0)
    with pytest.raises(ValueError, match="alpha"):
        refine(_pull_to(x), x, x, 0.0, steps=2)
    with pytest.raises(ValueError, match="alpha"):
        RefinerConfig(alpha=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        RefinerConfig(alpha=1.0)
    with pytest.raises(ValueError, match="lipschitz"):
        RefinerConfig(kind="contractive", lipschitz=1.0)


def test_lipschitz_conv_bound_holds_on_the_exact_operator_norm():
    from sciml.operators.refiner import LipschitzConv2d

    torch.manual_seed(0)
    conv = LipschitzConv2d(3, 2)
    conv.conv.weight.data *= 40  # far above 1, so the rescaling is active
    # the exact norm of a circular convolution: the largest singular value over frequencies
    # of the (c_out × c_in) matrix of Fourier symbols of the kernel
    n = 8
    kernel = torch.zeros(2, 3, n, n)
    kernel[:, :, :3, :3] = conv.conv.weight.detach() / conv.bound().detach()
    symbols = torch.fft.fft2(kernel).permute(2, 3, 0, 1)
    exact = torch.linalg.matrix_norm(symbols, ord=2).max()
    assert 0.2 < exact <= 1.0 + 1e-5
    h = torch.randn(4, 3, n, n)
    ratio = conv(h).flatten(1).norm(dim=1) / h.flatten(1).norm(dim=1)
    assert (ratio <= exact + 1e-5).all()


@pytest.mark.parametrize("lipschitz", [0.0, 0.6])
def test_contractive_refiner_is_a_contraction_with_the_promised_factor(lipschitz):
    from sciml.diagnostics.contraction import contraction_factor
    from sciml.operators.irno import Refinement

    torch.manual_seed(1)
    config = RefinerConfig(kind="contractive", width=4, depth=2, alpha=0.5, lipschitz=lipschitz)
    net = config.build(2, 1)
    for layer in (net.w1, net.w2):
        layer.conv.weight.data *= 30
    refinement = Refinement(net, 2, config.alpha, steps=40, form=config.form)
    x, h0 = torch.randn(2, 2, 16, 16), torch.randn(2, 1, 16, 16)
    context = refinement.context(x, h0)
    bound = config.contraction_bound()
    assert bound == pytest.approx(1 - 0.5 * (1 - lipschitz))
    q = contraction_factor(lambda v: refinement.step(context, v), h0)
    assert q <= bound + 1e-5
    if lipschitz == 0.0:  # h-path off: T is affine in h with slope exactly 1 − α
        assert q == pytest.approx(0.5, rel=1e-4)
    iterates = refinement.iterates(x, h0)
    gaps = [float((b - a).detach().norm()) for a, b in zip(iterates, iterates[1:], strict=False)]
    assert all(g2 <= bound * g1 + 1e-5 for g1, g2 in zip(gaps, gaps[1:], strict=False))


def test_contractive_iteration_with_the_unet_computed_once_matches_step_by_step():
    """The iteration binds A(c), V(c) once; each step recomputed from [c, h] agrees, and the
    gradients of an unrolled loss agree too."""
    torch.manual_seed(2)
    config = RefinerConfig(kind="contractive", width=4, depth=2, alpha=0.6, output_gain=1.0)
    net = config.build(2, 1)
    c, h0, y = torch.randn(2, 3, 16, 16), torch.randn(2, 1, 16, 16), torch.randn(2, 1, 16, 16)

    def by_hand():
        h, out = h0, []
        for _ in range(4):
            h = (1 - 0.6) * h + 0.6 * net(torch.cat([c, h], dim=1))
            out.append(h)
        return out

    grads = []
    for iterates in (lambda: refine(net, c, h0, 0.6, 4, form="relaxed"), by_hand):
        net.zero_grad()
        hs = iterates()
        sum(((h - y) ** 2).mean() for h in hs).backward()
        grads.append([p.grad.clone() for p in net.parameters()])
        grads.append(torch.stack(hs).detach())
    torch.testing.assert_close(grads[1], grads[3], rtol=1e-5, atol=1e-6)
    for a, b in zip(grads[0], grads[2], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_progressive_exponents_rise_linearly_from_1_to_2():
    assert progressive_exponents(6) == pytest.approx([1.0, 1.2, 1.4, 1.6, 1.8, 2.0])
    assert progressive_exponents(1) == [1.0]


@pytest.mark.parametrize("exponent", [1.0, 2.0])
def test_spectral_weights_match_a_hand_computation(exponent):
    # rfft2 grid of a 4×4 field: rows ω ∈ {0, ¼, −½, −¼}, columns ω ∈ {0, ¼, ½}
    rows, cols = [0.0, 0.25, -0.5, -0.25], [0.0, 0.25, 0.5]
    raw = [[1 + (math.hypot(a, b) / 0.5) ** exponent for b in cols] for a in rows]
    mean = sum(map(sum, raw)) / 12
    weights = spectral_weights((4, 4), exponent)
    assert weights.shape == (4, 3)
    assert weights.mean().item() == pytest.approx(1.0)
    for i in range(4):
        for j in range(3):
            assert weights[i, j].item() == pytest.approx(raw[i][j] / mean)
    # corner mode (½, ½) weighs (1 + √2^λ)/mean
    assert weights[2, 2].item() == pytest.approx((1 + math.sqrt(2) ** exponent) / mean)


def test_spectral_loss_sees_amplitudes_not_phases():
    grid = torch.arange(16) * 2 * math.pi / 16
    wave = torch.sin(3 * grid)[None, None, :, None].expand(1, 1, 16, 16).contiguous()
    shifted = torch.roll(wave, 2, dims=2)
    assert spectral_loss(shifted, wave, 1.5).item() == pytest.approx(0.0, abs=1e-10)
    assert torch.mean((shifted - wave) ** 2) > 0.1
    doubled = 2 * wave
    # one mode pair at (±3, 0), |F| = 16·½ each (ortho: 256/√256 · ½); weight ρ(3/16)/mean
    rho = spectral_weights((16, 16), 1.5)
    amplitude = 0.5 * 256 / 16
    expected = (rho[3, 0] + rho[13, 0]) * amplitude**2 / rho.numel()
    assert spectral_loss(doubled, wave, 1.5).item() == pytest.approx(expected.item(), rel=1e-5)


def test_unrolled_loss_with_a_zero_refiner_is_the_base_error():
    gen = torch.Generator().manual_seed(1)
    x, h0, y = (torch.randn(2, 1, 8, 8, generator=gen) for _ in range(3))
    zero = lambda z: torch.zeros_like(z[:, :1])  # noqa: E731
    loss, parts = unrolled_loss(zero, x, h0, y, steps=3, spectral_weight=0.5)
    spectral = np.mean([spectral_loss(h0, y, lam).item() for lam in (1.0, 1.5, 2.0)])
    assert parts["mse"] == pytest.approx(torch.mean((h0 - y) ** 2).item())
    assert parts["spectral"] == pytest.approx(spectral)
    assert parts["fixed_point"] == 0.0
    assert loss.item() == pytest.approx(parts["mse"] + 0.5 * spectral)


def test_unrolled_loss_trains_a_refiner_towards_the_target():
    torch.manual_seed(0)
    refiner = UNetRefiner(1, 1, width=4, depth=2)
    x = torch.randn(4, 1, 16, 16)
    y = torch.sin(x)
    h0 = 0.8 * y
    optimizer = torch.optim.Adam(refiner.parameters(), lr=3e-3)
    first = None
    for _ in range(30):
        optimizer.zero_grad()
        loss, _ = unrolled_loss(refiner, x, h0, y, steps=2)
        loss.backward()
        optimizer.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.5 * first


def test_fixed_point_weight_warms_up_linearly():
    assert [fixed_point_warmup(e, 5, 0.01) for e in range(6)] == pytest.approx(
        [0.002, 0.004, 0.006, 0.008, 0.01, 0.01]
    )


def test_contraction_factor_of_linear_maps():
    gen = torch.Generator().manual_seed(3)
    a = torch.randn(12, 12, generator=gen, dtype=torch.float64)
    h = torch.randn(3, 4, dtype=torch.float64, generator=gen)
    q = contraction_factor(lambda v: (a @ v.reshape(12)).reshape(3, 4), h, iterations=200)
    assert q == pytest.approx(np.linalg.svd(a.numpy(), compute_uv=False)[0], rel=1e-3)
    # T(h) = h + α·(c − h) has Jacobian (1 − α)·I
    c = torch.zeros(1, 1, 8, 8)
    step = lambda v: refinement_step(_pull_to(c), torch.zeros_like(v), v, 0.25)  # noqa: E731
    assert contraction_factor(step, torch.randn(1, 1, 8, 8)) == pytest.approx(0.75, rel=1e-5)


def test_unet_refiner_output_layer_is_scaled_down_and_grid_checked():
    z = torch.randn(2, 3, 16, 16)
    outputs = {}
    for gain in (1.0, 0.1):
        torch.manual_seed(0)
        outputs[gain] = UNetRefiner(2, 1, width=4, depth=2, output_gain=gain)(z)
    assert outputs[0.1].shape == (2, 1, 16, 16)
    assert torch.allclose(outputs[0.1], 0.1 * outputs[1.0], atol=1e-6)
    with pytest.raises(ValueError, match="divisible by 4"):
        UNetRefiner(2, 1, width=4, depth=2)(torch.randn(1, 3, 18, 18))


def test_operator_refiner_runs_at_any_resolution():
    torch.manual_seed(0)
    refiner = RefinerConfig(kind="operator", n_modes=(4, 4), hidden_channels=8).build(1, 1)
    for n in (12, 16):
        assert refiner(torch.randn(1, 2, n, n)).shape == (1, 1, n, n)


def test_band_errors_add_up_and_locate_a_single_mode():
    gen = torch.Generator().manual_seed(4)
    pred, target = torch.randn(2, 3, 12, 12, generator=gen), torch.randn(2, 3, 12, 12)
    bands = band_errors(pred, target)
    assert sum(bands.values()) == pytest.approx((pred - target).double().square().sum().item())
    grid = torch.arange(12) * 2 * math.pi / 12
    high = torch.cos(5 * grid)[None, None, :, None].expand(1, 1, 12, 12)  # r = 5/6 ≥ ⅔
    zero = torch.zeros(1, 1, 12, 12)
    only = band_errors(high, zero)
    assert only["low"] == pytest.approx(0.0, abs=1e-9) and only["mid"] == pytest.approx(
        0.0, abs=1e-9
    )
    assert only["high"] == pytest.approx((high**2).sum().item())
    assert band_ratios(0.5 * high, high, zero)["high"] == pytest.approx(0.25)


def test_vrmse_is_per_field_over_space_channels_first():
    gen = torch.Generator().manual_seed(5)
    target = torch.randn(3, 2, 8, 8, generator=gen) * torch.tensor([1.0, 10.0])[:, None, None]
    pred = target + 0.1 * torch.randn(3, 2, 8, 8, generator=gen)
    expected = [
        np.mean(
            [
                np.sqrt(
                    np.mean((pred[i, c] - target[i, c]).numpy() ** 2)
                    / (np.var(target[i, c].numpy()) + 1e-7)
                )
                for i in range(3)
            ]
        )
        for c in range(2)
    ]
    assert vrmse(pred, target).numpy() == pytest.approx(expected, rel=1e-5)
    per_field = relative_l2_per_field(pred, target)
    assert per_field.shape == (2,) and per_field[1] < per_field[0]  # same noise, larger field


def test_contraction_penalty_is_differentiable_and_exact_on_a_scaling():
    # Φ([x, h]) = −w·h: T(h) = (1 − αw)·h has q = |1 − αw|
    x, h = torch.zeros(1, 1, 4, 4), torch.randn(1, 1, 4, 4)
    for w0, q in ((-2.0, 1.4), (1.0, 0.8)):
        w = torch.tensor(w0, requires_grad=True)
        penalty = contraction_penalty(lambda z, w=w: -w * z[:, 1:], x, h, 0.2, q_max=0.9)
        penalty.backward()
        assert penalty.item() == pytest.approx(max(q - 0.9, 0.0) ** 2, abs=1e-6)
        # d/dw (|1 − 0.2w| − 0.9)² = 2·(q − 0.9)·(−0.2) while q > 0.9, else 0
        assert w.grad.item() == pytest.approx(-0.4 * max(q - 0.9, 0.0), abs=1e-6)


def test_minimising_the_contraction_penalty_lowers_q_of_a_unet_refiner():
    torch.manual_seed(0)
    refiner = UNetRefiner(in_channels=1, out_channels=1, width=4, depth=1, output_gain=5.0)
    x, h = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8)
    alpha = 0.5

    def q():  # the diagnostic's own estimator (20 power iterations, its own seed)
        return contraction_factor(lambda v: refinement_step(refiner, x, v, alpha), h)

    before = q()
    optimizer = torch.optim.Adam(refiner.parameters(), lr=3e-2)
    for _ in range(10):
        optimizer.zero_grad()
        contraction_penalty(refiner, x, h, alpha, q_max=0.5).backward()
        optimizer.step()
    after = q()
    assert before > 1.0 and after < 0.2 * before
