"""Relative L2 and MSE against hand computations and neuraloperator's LpLoss."""

import math

import pytest
import torch
from neuralop.losses import LpLoss

from sciml.training.losses import LOSSES, mse, relative_l2


def _pair(shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    target = torch.randn(shape, generator=g, dtype=torch.float64)
    return target + 0.1 * torch.randn(shape, generator=g, dtype=torch.float64), target


def test_relative_l2_by_hand():
    # sample 0: error (3, 4) against target (0, 5, 0, 0): 5/5; sample 1: error (1, 0) vs (2, 0)
    target = torch.tensor([[[0.0, 5.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 0.0]]])
    pred = target + torch.tensor([[[3.0, 0.0], [4.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
    assert relative_l2(pred, target).item() == pytest.approx((1.0 + 0.5) / 2)
    assert relative_l2(target, target).item() == 0.0
    assert relative_l2(torch.zeros_like(target), target).item() == pytest.approx(1.0)


def test_relative_l2_norms_channels_and_space_together():
    pred, target = _pair((3, 2, 5, 4))
    expected = [
        math.sqrt(((pred[i] - target[i]) ** 2).sum() / (target[i] ** 2).sum()) for i in range(3)
    ]
    assert relative_l2(pred, target).item() == pytest.approx(sum(expected) / 3, rel=1e-12)
    assert relative_l2(7.0 * pred, 7.0 * target).item() == pytest.approx(
        relative_l2(pred, target).item(), rel=1e-12
    )


def test_relative_l2_equals_lploss_d2_mean_and_the_default_is_a_trap():
    pred, target = _pair((4, 1, 16, 16), seed=1)
    ours = relative_l2(pred, target).item()
    assert LpLoss(d=2, p=2, reduction="mean")(pred, target).item() == pytest.approx(ours, rel=1e-6)
    # LpLoss() is d=1 and sum: one relative norm per row of every image, summed (4 * 16 rows)
    default = LpLoss()(pred, target).item()
    assert default == pytest.approx(4 * 16 * ours, rel=0.2)
    assert default > 30 * ours


def test_mse_by_hand_and_against_torch():
    target = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    pred = torch.tensor([[1.0, 0.0], [3.0, 5.0]])
    assert mse(pred, target).item() == pytest.approx((0 + 4 + 0 + 1) / 4)
    pred, target = _pair((3, 2, 6, 5), seed=2)
    assert mse(pred, target).item() == pytest.approx(
        torch.nn.functional.mse_loss(pred, target).item(), rel=1e-12
    )


@pytest.mark.parametrize("loss", [mse, relative_l2])
def test_losses_reject_bad_input(loss):
    with pytest.raises(ValueError, match=r"pred \(2, 1, 8\) and target \(2, 1, 9\)"):
        loss(torch.zeros(2, 1, 8), torch.ones(2, 1, 9))
    with pytest.raises(ValueError, match="ndim >= 2"):
        loss(torch.ones(4), torch.ones(4))
    with pytest.raises(TypeError, match="pred must be a torch.Tensor"):
        loss([1.0, 2.0], torch.ones(1, 2))


def test_losses_registry_and_gradients():
    assert LOSSES == {"mse": mse, "rel_l2": relative_l2}
    pred, target = _pair((2, 1, 4, 3), seed=3)
    pred.requires_grad_(True)
    for loss in LOSSES.values():
        assert torch.autograd.gradcheck(lambda p, f=loss: f(p, target), (pred,))
