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
:mod:`sciml.training.irno_loss` the training objective; :mod:`sciml.training.refinement`
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
    """Run the IRNO fixed-point iteration from h_0: [h_1, …, h_steps].

    With ``truncate = m`` gradients flow only through the last m updates of each iterate's
    history (truncated backpropagation: the iterate is detached every m steps), which bounds
    memory; None backpropagates through all steps.

    The update is T(h) = h + α·Φθ([x, h]) (``form="residual"``) or
    T(h) = (1 − α)·h + α·Φθ([x, h]) (``form="relaxed"``), with x and h stacked as channels.
    A refiner with a ``bind(x)`` method (:class:`~sciml.operators.refiner.ContractiveRefiner`)
    computes its h-independent part once for all steps.

    Parameters
    ----------
    refiner : Callable[[torch.Tensor], torch.Tensor]
        Φθ, mapping ``[x, h]`` (B, Cx + Ch, ...) to a tensor shaped like h.
    x : torch.Tensor
        The input (or context), shape (B, Cx, ...), fixed over the iteration.
    h0 : torch.Tensor
        The starting iterate, shape (B, Ch, ...).
    alpha : float
        The relaxation α, in (0, 1).
    steps : int
        Number of updates (≥ 1).
    truncate : int or None, default None
        Detach the iterate every ``truncate`` steps (≥ 1); None keeps the whole graph.
    form : {"residual", "relaxed"}, default "residual"
        The update form.

    Returns
    -------
    list of torch.Tensor
        ``[h_1, …, h_steps]``, each shaped like ``h0`` (h_0 itself is not included).

    Raises
    ------
    ValueError
        If ``alpha`` is not a number in (0, 1), ``steps`` or ``truncate`` is not an integer
        ≥ 1, or ``form`` is unknown.

    See Also
    --------
    iterate : The loop itself, for any update map.
    Refinement : Φθ with its α, K and form as a module.

    Examples
    --------
    >>> import torch
    >>> x, h0 = torch.ones(1, 1, 2, 2), torch.full((1, 1, 2, 2), 8.0)
    >>> minus_h = lambda xh: -xh[:, 1:]  # Φ([x, h]) = −h: h ← (1 − α) h
    >>> [float(h.mean()) for h in refine(minus_h, x, h0, alpha=0.5, steps=3)]
    [4.0, 2.0, 1.0]
    >>> to_x = lambda xh: xh[:, :1]  # G([x, h]) = x: relaxed iteration towards x
    >>> hs = refine(to_x, x, h0, alpha=0.5, steps=3, form="relaxed")
    >>> [float(h.mean()) for h in hs]
    [4.5, 2.75, 1.875]
    """
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
    """[h_1, …, h_steps] with h_{k+1} = update(h_k), detached every ``truncate`` steps.

    The iterate is detached before steps 0, m, 2m, … (m = ``truncate``), so h_0 too is
    detached when ``truncate`` is given. The arguments are not checked (:func:`refine`
    checks them): ``steps`` ≤ 0 gives an empty list.

    Parameters
    ----------
    update : Callable[[torch.Tensor], torch.Tensor]
        The map h ↦ T(h).
    h0 : torch.Tensor
        The starting iterate.
    steps : int
        Number of updates.
    truncate : int or None, default None
        Detach the iterate every ``truncate`` steps (≥ 1); None keeps the whole graph.

    Returns
    -------
    list of torch.Tensor
        ``[h_1, …, h_steps]`` (h_0 itself is not included).

    See Also
    --------
    refine : The IRNO iteration, with checked arguments.

    Examples
    --------
    >>> import torch
    >>> hs = iterate(lambda h: 0.5 * h + 1.0, torch.zeros(1), steps=4)  # fixed point 2
    >>> [float(h) for h in hs]
    [1.0, 1.5, 1.75, 1.875]
    >>> w = torch.ones(1, requires_grad=True)
    >>> hs = iterate(lambda h: w * h, torch.ones(1), steps=4, truncate=2)
    >>> hs[-1].backward()  # only the last 2 steps are in the graph: d(w²·h_2)/dw = 2
    >>> float(w.grad)
    2.0
    """
    iterates, h = [], h0
    for k in range(steps):
        if truncate is not None and k % truncate == 0:
            h = h.detach()
        h = update(h)
        iterates.append(h)
    return iterates


class Refinement(nn.Module):
    """The IRNO refinement: Φθ with its relaxation α, step count K and update form.

    It acts on ``[x, h_0]`` stacked as channels (``in_channels`` of x first): ``forward``
    returns h_K, :meth:`iterates` every h_k. In the relaxed form the refiner sees the context
    [x, h_0].

    The update is T(h) = h + α·Φθ([x, h]) (``"residual"``) or
    T(h) = (1 − α)·h + α·G([x, h_0, h]) (``"relaxed"``), iterated K times from h_0 by
    :func:`refine`. :meth:`set_scales` stores per-channel statistics (buffers, empty until
    set) that :class:`RefinedOperator` uses to run the iteration on standardised fields.

    Parameters
    ----------
    refiner : torch.nn.Module
        Φθ, from ``(B, C + Ch, ...)`` to ``(B, Ch, ...)``, where C is ``in_channels`` in the
        residual form and ``in_channels + Ch`` (the context [x, h_0]) in the relaxed one.
    in_channels : int
        Channels of x (≥ 1); the remaining channels of the ``forward`` input are h_0.
    alpha : float, default 0.2
        The relaxation α, in (0, 1).
    steps : int, default 6
        K, the number of updates (≥ 1).
    truncate : int or None, default None
        Truncated backpropagation: detach the iterate every ``truncate`` steps (≥ 1).
    form : {"residual", "relaxed"}, default "residual"
        The update form; "relaxed" for
        :class:`~sciml.operators.refiner.ContractiveRefiner`.

    Raises
    ------
    ValueError
        If ``form`` is unknown, ``in_channels`` is not a positive integer, ``alpha`` is not
        in (0, 1), or ``steps`` or ``truncate`` is not an integer ≥ 1.

    See Also
    --------
    RefinedOperator : A frozen base operator followed by a refinement.
    sciml.operators.RefinerConfig : Builds Φθ and names its form.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import UNetRefiner
    >>> _ = torch.manual_seed(0)
    >>> phi = UNetRefiner(in_channels=1, out_channels=1, width=4, depth=1)
    >>> refinement = Refinement(phi, in_channels=1, alpha=0.2, steps=3)
    >>> xh = torch.randn(2, 2, 8, 8)  # [x, h_0]
    >>> refinement(xh).shape
    torch.Size([2, 1, 8, 8])
    >>> len(refinement.iterates(xh[:, :1], xh[:, 1:]))
    3
    """

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
    """Base operator (frozen, no gradients) followed by a :class:`Refinement`.

    ``forward(x)`` is h_K: h_0 = base(x) (computed without gradients), then the refinement's
    K steps on the standardised fields (the statistics of :meth:`Refinement.set_scales`, if
    set), mapped back to physical units. The base stays in eval mode whatever
    :meth:`train` sets.

    Parameters
    ----------
    base : torch.nn.Module
        The trained base operator, ``(B, Cx, ...)`` → ``(B, Ch, ...)``. It is modified in
        place: put in eval mode and its parameters' ``requires_grad`` switched off.
    refinement : Refinement
        The refinement, its ``in_channels`` equal to Cx.

    See Also
    --------
    Refinement : The iteration on its own.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import UNetRefiner, count_parameters
    >>> _ = torch.manual_seed(0)
    >>> base = torch.nn.Conv2d(1, 1, 1)  # stands for a trained operator
    >>> refinement = Refinement(UNetRefiner(1, 1, width=4, depth=1), in_channels=1, steps=3)
    >>> model = RefinedOperator(base, refinement)
    >>> x = torch.randn(2, 1, 8, 8)
    >>> model(x).shape
    torch.Size([2, 1, 8, 8])
    >>> hs = model.iterates(x)  # [h_0, h_1, h_2, h_3]
    >>> len(hs), bool(torch.equal(hs[0], base(x)))
    (4, True)
    >>> count_parameters(model) == count_parameters(refinement)  # the base is frozen
    True
    """

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
