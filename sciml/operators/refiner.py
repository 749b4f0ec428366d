"""Refinement maps Φθ for iterative refinement (IRNO): h_{k+1} = h_k + α·Φθ([x, h_k]).

Two choices, both taking the input ``x`` and the current iterate ``h`` stacked as channels and
returning a correction shaped like ``h``, with a near-zero output layer so that the iteration
starts near the identity:

- :class:`UNetRefiner`, the anchor's U-Net (circular 3×3 convolutions, per-pixel LayerNorm,
  GELU, max-pool down, bilinear up); the grid must be divisible by 2^depth.
- :func:`operator_refiner`, a neuraloperator FNO, usable at any resolution (multi-resolution
  training);
- :class:`ContractiveRefiner`, G([c, h]) = h_0 + A(c) + L·W₂σ(W₁h + V(c)) for the relaxed
  update T(h) = (1 − α)h + α·G: a U-Net on the context c = [x, h_0] gives A and V, the
  h_0 term makes the untrained iteration stay at the base prediction, and the h-path
  (two circular convolutions of operator norm ≤ 1, ReLU between) is L-Lipschitz, so
  Lip(T) ≤ 1 − α(1 − L).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from sciml.core.checks import check_positive
from sciml.operators.config import OperatorConfig
from sciml.operators.irno import check_alpha
from sciml.operators.models import build_operator


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels at each pixel of a (B, C, H, W) tensor."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two (circular 3×3 conv → LayerNorm → GELU) layers."""
    layers: list[nn.Module] = []
    for a, b in ((c_in, c_out), (c_out, c_out)):
        layers += [
            nn.Conv2d(a, b, 3, padding=1, padding_mode="circular"),
            ChannelLayerNorm(b),
            nn.GELU(),
        ]
    return nn.Sequential(*layers)


def _init_output(conv: nn.Conv2d | nn.Linear | nn.Module, gain: float) -> None:
    nn.init.xavier_uniform_(conv.weight, gain=gain)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class UNetRefiner(nn.Module):
    """U-Net Φθ: (B, in_channels + out_channels, H, W) → (B, out_channels, H, W).

    Widths ``width·2^l`` for levels l < depth and a ``width·2^depth`` bottleneck; skip
    connections are concatenated. The 1×1 output convolution is Xavier-initialised with
    gain ``output_gain`` and zero bias. ``input_channels`` overrides the input channel count.

    Each level is two (circular 3×3 convolution → per-pixel LayerNorm → GELU) layers; max-pool
    halves the grid on the way down, bilinear interpolation doubles it on the way up. The
    grid must be 2-D and divisible by 2^depth.

    Parameters
    ----------
    in_channels : int
        Channels of x (≥ 1).
    out_channels : int
        Channels of h and of the output (≥ 1).
    width : int, default 16
        Channels of the first level (≥ 1), doubled at each level down.
    depth : int, default 4
        Number of pooling levels (≥ 1).
    output_gain : float, default 0.1
        Xavier gain of the output layer: small, so the iteration starts near the identity.
    input_channels : int or None, default None
        Input channels, when not ``in_channels + out_channels``.

    Raises
    ------
    ValueError
        If ``in_channels``, ``out_channels``, ``width`` or ``depth`` is not a positive
        integer; in ``forward``, for a grid that is not 2-D or not divisible by 2^depth.

    See Also
    --------
    ContractiveRefiner : A refiner whose update is a contraction.
    RefinerConfig : Builds either.

    Examples
    --------
    >>> import torch
    >>> phi = UNetRefiner(in_channels=1, out_channels=2, width=4, depth=2)
    >>> phi(torch.zeros(3, 1 + 2, 8, 8)).shape
    torch.Size([3, 2, 8, 8])
    >>> phi(torch.zeros(3, 3, 6, 6))
    Traceback (most recent call last):
    ...
    ValueError: the U-Net refiner of depth 2 needs a 2-D grid divisible by 4, got (6, 6); ...
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int = 16,
        depth: int = 4,
        output_gain: float = 0.1,
        input_channels: int | None = None,
    ):
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("width", width),
            ("depth", depth),
        ):
            check_positive(value, name, integer=True)
        self.depth = depth
        widths = [width * 2**level for level in range(depth + 1)]
        c = in_channels + out_channels if input_channels is None else input_channels
        self.down = nn.ModuleList()
        for w in widths[:-1]:
            self.down.append(_conv_block(c, w))
            c = w
        self.bottleneck = _conv_block(widths[-2], widths[-1])
        self.up_convs = nn.ModuleList()
        self.up_blocks = nn.ModuleList()
        for level in reversed(range(depth)):
            self.up_convs.append(
                nn.Conv2d(widths[level + 1], widths[level], 3, padding=1, padding_mode="circular")
            )
            self.up_blocks.append(_conv_block(2 * widths[level], widths[level]))
        self.out = nn.Conv2d(widths[0], out_channels, 1)
        _init_output(self.out, output_gain)

    def check_grid(self, grid: tuple[int, ...]) -> None:
        """Raise ValueError unless the grid is 2-D and divisible by 2^depth."""
        factor = 2**self.depth
        if len(grid) != 2 or any(n % factor for n in grid):
            raise ValueError(
                f"the U-Net refiner of depth {self.depth} needs a 2-D grid divisible by "
                f"{factor}, got {tuple(grid)}; use the neural-operator refiner or depth "
                f"< {self.depth}"
            )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.check_grid(tuple(z.shape[2:]))
        skips = []
        for block in self.down:
            z = block(z)
            skips.append(z)
            z = nn.functional.max_pool2d(z, 2)
        z = self.bottleneck(z)
        for conv, block, skip in zip(self.up_convs, self.up_blocks, reversed(skips), strict=True):
            z = nn.functional.interpolate(z, size=skip.shape[2:], mode="bilinear")
            z = block(torch.cat([conv(z), skip], dim=1))
        return self.out(z)


def operator_refiner(
    in_channels: int,
    out_channels: int,
    n_modes: tuple[int, ...],
    hidden_channels: int = 32,
    n_layers: int = 4,
    output_gain: float = 0.1,
) -> nn.Module:
    """A neuraloperator FNO as Φθ: (B, in_channels + out_channels, *grid) →
    (B, out_channels, *grid) at any grid size, its last projection layer scaled down
    (Xavier, gain ``output_gain``, zero bias)."""
    config = OperatorConfig(
        model="fno",
        in_channels=in_channels + out_channels,
        out_channels=out_channels,
        n_modes=tuple(n_modes),
        hidden_channels=hidden_channels,
        n_layers=n_layers,
    )
    model = build_operator(config)
    last = [m for m in model.projection.modules() if isinstance(m, nn.Conv1d | nn.Linear)][-1]
    _init_output(last, output_gain)
    return model


class LipschitzConv2d(nn.Module):
    """Circular k×k convolution rescaled so that its operator norm on any grid is ≤ 1:
    ‖W * h‖ ≤ Σ_taps ‖W_tap‖₂·‖h‖ (triangle inequality over the k² shifts), and the
    weight is divided by max(1, Σ_taps ‖W_tap‖₂)."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False)
        self.conv.padding_mode = "circular"

    def bound(self) -> torch.Tensor:
        """Σ over taps of the spectral norm of the (c_out × c_in) tap matrix."""
        taps = self.conv.weight.permute(2, 3, 0, 1)
        return torch.linalg.matrix_norm(taps, ord=2).sum()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.conv(h) / self.bound().clamp_min(1.0)


class ContractiveRefiner(nn.Module):
    """Refiner with an L-Lipschitz h-path, for a contractive relaxed update.

    G([c, h]) = h_0 + A(c) + L·W₂ ReLU(W₁h + V(c)), (B, context + out, H, W) →
    (B, out, H, W), where c = [x, h_0] (``context_channels``, h_0 last).

    A and V come from one U-Net on c; W₁, W₂ are :class:`LipschitzConv2d`, so h ↦ G is
    L-Lipschitz (``lipschitz`` < 1) for every c; with A ≈ 0 the fixed point is near h_0.
    A's output layer and W₂ are scaled down by ``output_gain`` as in :class:`UNetRefiner`.

    In the relaxed update T(h) = (1 − α)·h + α·G([c, h]) this makes T a contraction with
    factor ≤ 1 − α(1 − L), so the iteration has a unique fixed point for each input.
    :meth:`bind` computes A(c), V(c) once for all steps.

    Parameters
    ----------
    context_channels : int
        Channels of c = [x, h_0], h_0's ``out_channels`` last.
    out_channels : int
        Channels of h and of the output.
    width : int, default 16
        Width of the U-Net's first level and hidden channels of the h-path.
    depth : int, default 4
        Pooling levels of the U-Net; the grid must be divisible by 2^depth.
    output_gain : float, default 0.1
        Scale of A's output layer and of W₂ at initialisation.
    lipschitz : float, default 0.5
        L, the Lipschitz constant of h ↦ G, in [0, 1).

    Raises
    ------
    ValueError
        If ``lipschitz`` is not a number in [0, 1), or (from the U-Net)
        ``context_channels``, ``width`` or ``depth`` is not a positive integer; in
        ``forward``, for a grid that is not 2-D or not divisible by 2^depth.
        ``out_channels`` and ``context_channels > out_channels`` are not checked here.

    See Also
    --------
    UNetRefiner : The refiner of the residual update.
    sciml.operators.Refinement : Runs the update with ``form="relaxed"``.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> g = ContractiveRefiner(context_channels=2, out_channels=1, width=4, depth=1)
    >>> z = torch.randn(3, 2 + 1, 8, 8)  # [x, h_0, h]
    >>> g(z).shape
    torch.Size([3, 1, 8, 8])

    h ↦ G([c, h]) is L-Lipschitz (L = 0.5):

    >>> g_c = g.bind(z[:, :2])
    >>> h1, h2 = torch.randn(3, 1, 8, 8), torch.randn(3, 1, 8, 8)
    >>> bool((g_c(h1) - g_c(h2)).norm() <= 0.5 * (h1 - h2).norm())
    True
    """

    def __init__(
        self,
        context_channels: int,
        out_channels: int,
        width: int = 16,
        depth: int = 4,
        output_gain: float = 0.1,
        lipschitz: float = 0.5,
    ):
        super().__init__()
        if isinstance(lipschitz, bool) or not isinstance(lipschitz, int | float):
            raise ValueError(f"lipschitz must be a number in [0, 1), got {lipschitz!r}")
        if not 0 <= lipschitz < 1:
            raise ValueError(f"lipschitz must be a number in [0, 1), got {lipschitz!r}")
        self.context_channels = context_channels
        self.out_channels = out_channels
        self.hidden = width
        self.lipschitz = float(lipschitz)
        self.unet = UNetRefiner(
            context_channels,
            out_channels + width,
            width,
            depth,
            output_gain,
            input_channels=context_channels,
        )
        self.w1 = LipschitzConv2d(out_channels, width)
        self.w2 = LipschitzConv2d(width, out_channels)
        with torch.no_grad():  # B starts near zero, so the untrained fixed point is near h_0
            self.w2.conv.weight.mul_(output_gain)

    def check_grid(self, grid: tuple[int, ...]) -> None:
        self.unet.check_grid(grid)

    def bind(self, c: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """h ↦ G([c, h]) with the U-Net's A(c), V(c) computed once for the context c."""
        features = self.unet(c)
        a, v = features[:, : self.out_channels], features[:, self.out_channels :]
        offset = c[:, -self.out_channels :] + a

        def g(h: torch.Tensor) -> torch.Tensor:
            return offset + self.lipschitz * self.w2(torch.relu(self.w1(h) + v))

        return g

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        c, h = z[:, : self.context_channels], z[:, self.context_channels :]
        return self.bind(c)(h)


@dataclass(frozen=True)
class RefinerConfig:
    """Settings of an IRNO refiner Φθ: which network, its size and the relaxation α.

    Which Φθ to build: ``kind`` "unet" (``width``, ``depth``), "operator" (``n_modes``,
    ``hidden_channels``) or "contractive" (``width``, ``depth``, ``lipschitz``; the relaxed
    update, a contraction with factor ≤ 1 − α(1 − L)); ``alpha`` ∈ (0, 1) is the relaxation
    of the fixed-point update.

    Parameters
    ----------
    kind : {"unet", "operator", "contractive"}, default "unet"
        :class:`UNetRefiner`, a neuraloperator FNO (any resolution) or
        :class:`ContractiveRefiner`.
    alpha : float, default 0.2
        The relaxation α, in (0, 1).
    width : int, default 16
        U-Net width ("unet", "contractive").
    depth : int, default 4
        U-Net pooling levels ("unet", "contractive").
    n_modes : tuple of int, default (16, 16)
        Fourier modes per axis ("operator").
    hidden_channels : int, default 32
        FNO width ("operator").
    output_gain : float, default 0.1
        Initial scale of the output layer.
    lipschitz : float, default 0.5
        L of the contractive refiner, in [0, 1) (checked for every kind).

    Attributes
    ----------
    form : str
        The update form the refiner is built for: "relaxed" for "contractive", else
        "residual".

    Raises
    ------
    ValueError
        If ``kind`` is unknown, ``alpha`` is not in (0, 1) or ``lipschitz`` not in [0, 1).
        ``width``, ``depth``, ``n_modes`` and ``hidden_channels`` are checked by
        :meth:`build`.
    TypeError
        If ``lipschitz`` cannot be compared with numbers (a string, None).

    See Also
    --------
    sciml.operators.Refinement : Uses the refiner with ``alpha`` and ``form``.

    Examples
    --------
    >>> import torch
    >>> config = RefinerConfig(kind="contractive", alpha=0.2, width=4, depth=1, lipschitz=0.5)
    >>> config.form, round(config.contraction_bound(), 6)
    ('relaxed', 0.9)
    >>> phi = config.build(in_channels=1, out_channels=1)
    >>> type(phi).__name__, phi(torch.zeros(2, 1 + 1 + 1, 8, 8)).shape
    ('ContractiveRefiner', torch.Size([2, 1, 8, 8]))
    >>> RefinerConfig(kind="unet").contraction_bound() is None
    True
    """

    kind: str = "unet"
    alpha: float = 0.2
    width: int = 16
    depth: int = 4
    n_modes: tuple[int, ...] = (16, 16)
    hidden_channels: int = 32
    output_gain: float = 0.1
    lipschitz: float = 0.5

    def __post_init__(self) -> None:
        if self.kind not in ("unet", "operator", "contractive"):
            raise ValueError(
                f"kind must be 'unet', 'operator' or 'contractive', got {self.kind!r}"
            )
        check_alpha(self.alpha)
        if not 0 <= self.lipschitz < 1:
            raise ValueError(f"lipschitz must be a number in [0, 1), got {self.lipschitz!r}")

    @property
    def form(self) -> str:
        """The update form the refiner is built for (see :mod:`sciml.operators.irno`)."""
        return "relaxed" if self.kind == "contractive" else "residual"

    def contraction_bound(self) -> float | None:
        """1 − α(1 − L) for the contractive refiner, None for the others (no guarantee).

        Returns
        -------
        float or None
            The Lipschitz bound of the update T, or None.
        """
        if self.kind != "contractive":
            return None
        return 1 - self.alpha * (1 - self.lipschitz)

    def build(self, in_channels: int, out_channels: int) -> nn.Module:
        """Φθ for ``in_channels`` of x and ``out_channels`` of h (the contractive refiner's
        context is [x, h_0], in_channels + out_channels).

        Parameters
        ----------
        in_channels : int
            Channels of x.
        out_channels : int
            Channels of h.

        Returns
        -------
        torch.nn.Module
            The untrained refiner, from ``in_channels + out_channels`` channels
            (``in_channels + 2·out_channels`` for "contractive") to ``out_channels``.

        Raises
        ------
        ValueError
            If a channel count or a setting of the chosen kind is refused by its
            constructor.
        """
        if self.kind == "contractive":
            return ContractiveRefiner(
                in_channels + out_channels,
                out_channels,
                self.width,
                self.depth,
                self.output_gain,
                self.lipschitz,
            )
        if self.kind == "unet":
            return UNetRefiner(in_channels, out_channels, self.width, self.depth, self.output_gain)
        return operator_refiner(
            in_channels,
            out_channels,
            self.n_modes,
            self.hidden_channels,
            output_gain=self.output_gain,
        )
