"""IRNO: a frozen base operator refined by the fixed-point iteration
h_{k+1} = h_k + α·Φθ([x, h_k]), h_0 = T_base(x), with weights shared across steps.

The IRNO pieces, by layer: this module holds the iteration (:func:`refine`), the
:class:`Refinement` (Φθ with α and K) and the :class:`RefinedOperator` (base + refinement);
:mod:`sciml.operators.refiner` the networks used as Φθ ("refiners");
:mod:`sciml.training.irno_loss` the training objective; :mod:`sciml.training.refine_run`
the run folder behind ``sciml refine`` (train, resume, evaluate);
:mod:`sciml.diagnostics.irno_plots` the figures."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.core.checks import check_integer, check_positive

Refiner = Callable[[torch.Tensor], torch.Tensor]


def check_steps(value: object, name: str = "steps") -> int:
    """A step count (K, truncation, extra steps): an integer ≥ 1."""
    return check_integer(value, name, minimum=1)


def check_alpha(alpha: object) -> float:
    """The relaxation α of the update: a finite number > 0."""
    return check_positive(alpha, "alpha")


def refinement_step(refiner: Refiner, x: torch.Tensor, h: torch.Tensor, alpha: float):
    """One fixed-point update T(h) = h + α·Φθ([x, h]) (x and h stacked as channels)."""
    return h + alpha * refiner(torch.cat([x, h], dim=1))


def refine(
    refiner: Refiner,
    x: torch.Tensor,
    h0: torch.Tensor,
    alpha: float,
    steps: int,
    truncate: int | None = None,
) -> list[torch.Tensor]:
    """Iterates [h_1, …, h_steps] from h_0. With ``truncate = m`` gradients flow only through
    the last m updates of each iterate's history (truncated backpropagation: the iterate is
    detached every m steps), which bounds memory; None backpropagates through all steps."""
    check_alpha(alpha)
    check_steps(steps)
    if truncate is not None:
        check_steps(truncate, "truncate")
    iterates, h = [], h0
    for k in range(steps):
        if truncate is not None and k % truncate == 0:
            h = h.detach()
        h = refinement_step(refiner, x, h, alpha)
        iterates.append(h)
    return iterates


class Refinement(nn.Module):
    """Φθ with its relaxation α and step count K, acting on ``[x, h_0]`` stacked as channels
    (``in_channels`` of x first): ``forward`` returns h_K, :meth:`iterates` every h_k."""

    def __init__(
        self,
        refiner: nn.Module,
        in_channels: int,
        alpha: float = 0.2,
        steps: int = 6,
        truncate: int | None = None,
    ) -> None:
        super().__init__()
        self.refiner = refiner
        self.in_channels = check_positive(in_channels, "in_channels", integer=True)
        self.alpha = check_alpha(alpha)
        self.steps = check_steps(steps)
        self.truncate = None if truncate is None else check_steps(truncate, "truncate")
        for name in ("x_mean", "x_std", "y_mean", "y_std"):
            self.register_buffer(name, torch.tensor([]))

    def set_scales(
        self, x_mean: torch.Tensor, x_std: torch.Tensor, y_mean: torch.Tensor, y_std: torch.Tensor
    ) -> Refinement:
        """Per-channel statistics: the iteration runs on (x − μ_x)/σ_x and (h − μ_y)/σ_y."""
        for name, value in zip(
            ("x_mean", "x_std", "y_mean", "y_std"), (x_mean, x_std, y_mean, y_std), strict=True
        ):
            setattr(self, name, value.detach().clone().float())
        return self

    def _view(self, stat: torch.Tensor, ndim: int) -> torch.Tensor:
        return stat.view(1, -1, *([1] * (ndim - 2)))

    def standardize(self, x: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.x_mean.numel() == 0:
            return x, h
        v = self._view
        return (
            (x - v(self.x_mean, x.ndim)) / v(self.x_std, x.ndim),
            (h - v(self.y_mean, h.ndim)) / v(self.y_std, h.ndim),
        )

    def physical(self, h: torch.Tensor) -> torch.Tensor:
        if self.y_mean.numel() == 0:
            return h
        return h * self._view(self.y_std, h.ndim) + self._view(self.y_mean, h.ndim)

    def split(self, xh: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return xh[:, : self.in_channels], xh[:, self.in_channels :]

    def iterates(self, x: torch.Tensor, h0: torch.Tensor, steps: int | None = None):
        """[h_1, …, h_steps] (default K steps)."""
        steps = self.steps if steps is None else steps
        return refine(self.refiner, x, h0, self.alpha, steps, self.truncate)

    def forward(self, xh: torch.Tensor) -> torch.Tensor:
        return self.iterates(*self.split(xh))[-1]


class RefinedOperator(nn.Module):
    """Base operator (frozen, no gradients) followed by a :class:`Refinement`."""

    def __init__(self, base: nn.Module, refinement: Refinement) -> None:
        super().__init__()
        self.base = base.eval().requires_grad_(False)
        self.refinement = refinement

    def train(self, mode: bool = True) -> RefinedOperator:
        super().train(mode)
        self.base.eval()
        return self

    def iterates(self, x: torch.Tensor, steps: int | None = None) -> list[torch.Tensor]:
        """[h_0, h_1, …, h_steps] in physical units: the base prediction and every refined
        iterate (the iteration itself runs on standardised fields)."""
        with torch.no_grad():
            h0 = self.base(x)
        r = self.refinement
        refined = r.iterates(*r.standardize(x, h0), steps)
        return [h0, *(r.physical(h) for h in refined)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.iterates(x)[-1]
