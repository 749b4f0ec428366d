"""IRNO: a frozen base operator refined by a fixed-point iteration from h_0 = T_base(x), with
weights shared across steps.

Two update forms:

- ``"residual"`` (the anchor's): T(h) = h + α·Φθ([x, h]);
- ``"relaxed"``: T(h) = (1 − α)·h + α·G([c, h]) with the context c = [x, h_0]. When the
  h-path of G is L-Lipschitz (:class:`~sciml.operators.refiner.ContractiveRefiner`),
  Lip(T) ≤ 1 − α(1 − L) < 1: a contraction by construction.

The IRNO pieces, by layer: this module holds the iteration (:func:`refine`), the
:class:`Refinement` (Φθ with α and K) and the :class:`RefinedOperator` (base + refinement);
:mod:`sciml.operators.refiner` the networks used as Φθ ("refiners");
:mod:`sciml.training.irno_loss` the training objective; :mod:`sciml.training.refine_run`
the run folder behind ``sciml refine`` (train, resume, evaluate);
:mod:`sciml.diagnostics.irno_plots` the figures.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from sciml.core.checks import check_integer, check_positive

Refiner = Callable[[torch.Tensor], torch.Tensor]


def check_steps(value: object, name: str = "steps") -> int:
    """A step count (K, truncation, extra steps): an integer ≥ 1."""
    return check_integer(value, name, minimum=1)


FORMS = ("residual", "relaxed")


def check_alpha(alpha: object) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")
    return float(alpha)


def check_form(form: object) -> str:
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    return str(form)


def refinement_step(
    refiner: Refiner, x: torch.Tensor, h: torch.Tensor, alpha: float, form: str = "residual"
):
    """One fixed-point update (x and h stacked as channels): T(h) = h + α·Φθ([x, h])
    (``form="residual"``) or T(h) = (1 − α)·h + α·G([x, h]) (``form="relaxed"``)."""
    out = refiner(torch.cat([x, h], dim=1))
    if form == "relaxed":
        return (1 - alpha) * h + alpha * out
    return h + alpha * out


def step_map(
    refiner: Refiner, x: torch.Tensor, alpha: float, form: str = "residual"
) -> Callable[[torch.Tensor], torch.Tensor]:
    """h ↦ T(h) for a fixed ``x`` (see :func:`refinement_step`). A refiner with a
    ``bind(x)`` method (the contractive one) computes its h-independent part once here,
    so each further step costs only its h-path."""
    bind = getattr(refiner, "bind", None)
    g = bind(x) if bind is not None else lambda h: refiner(torch.cat([x, h], dim=1))
    if form == "relaxed":
        return lambda h: (1 - alpha) * h + alpha * g(h)
    return lambda h: h + alpha * g(h)


def refine(
    refiner: Refiner,
    x: torch.Tensor,
    h0: torch.Tensor,
    alpha: float,
    steps: int,
    truncate: int | None = None,
    form: str = "residual",
) -> list[torch.Tensor]:
    """Iterates [h_1, …, h_steps] from h_0. With ``truncate = m`` gradients flow only through
    the last m updates of each iterate's history (truncated backpropagation: the iterate is
    detached every m steps), which bounds memory; None backpropagates through all steps."""
    check_alpha(alpha)
    check_steps(steps)
    check_form(form)
    if truncate is not None:
        check_steps(truncate, "truncate")
    return iterate(step_map(refiner, x, alpha, form), h0, steps, truncate)


def iterate(
    update: Callable[[torch.Tensor], torch.Tensor],
    h0: torch.Tensor,
    steps: int,
    truncate: int | None = None,
) -> list[torch.Tensor]:
    """[h_1, …, h_steps] with h_{k+1} = update(h_k), detached every ``truncate`` steps."""
    iterates, h = [], h0
    for k in range(steps):
        if truncate is not None and k % truncate == 0:
            h = h.detach()
        h = update(h)
        iterates.append(h)
    return iterates


class Refinement(nn.Module):
    """Φθ with its relaxation α, step count K and update ``form``, acting on ``[x, h_0]``
    stacked as channels (``in_channels`` of x first): ``forward`` returns h_K,
    :meth:`iterates` every h_k. In the relaxed form the refiner sees the context [x, h_0]."""

    def __init__(
        self,
        refiner: nn.Module,
        in_channels: int,
        alpha: float = 0.2,
        steps: int = 6,
        truncate: int | None = None,
        form: str = "residual",
    ) -> None:
        super().__init__()
        self.refiner = refiner
        self.form = check_form(form)
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

    def context(self, x: torch.Tensor, h0: torch.Tensor) -> torch.Tensor:
        """What the refiner sees besides h: x, or [x, h_0] in the relaxed form."""
        return torch.cat([x, h0], dim=1) if self.form == "relaxed" else x

    def step(self, context: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """T(h) for the given context."""
        return refinement_step(self.refiner, context, h, self.alpha, self.form)

    def iterates(self, x: torch.Tensor, h0: torch.Tensor, steps: int | None = None):
        """[h_1, …, h_steps] (default K steps)."""
        steps = self.steps if steps is None else steps
        context = self.context(x, h0)
        return refine(self.refiner, context, h0, self.alpha, steps, self.truncate, self.form)

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
