"""Spectral convolution with a grid-size-independent choice of Fourier modes.

neuraloperator 2.0.0's ``SpectralConv`` centres the spectrum with ``fftshift`` and undoes it
with ``fftshift`` again (neuraloperator #688). On odd grid sizes that moves every kept mode one
frequency off, and on grids coarser than the weights it pairs weights and frequencies by a
parity-dependent offset. This layer keeps the parent's weights, factorisation and contraction,
and replaces the forward pass: each kept frequency ``k`` is located by explicit indices
``k mod n`` in the input spectrum, multiplied by the weight that belongs to ``k`` whatever the
grid, and written to ``k mod m`` of an output spectrum sized for the output grid.
"""

from __future__ import annotations

import torch
from neuralop.layers.spectral_convolution import SpectralConv as _NeuralopSpectralConv


def _kept_frequencies(
    n_modes: int, n_weights: int, n_in: int, n_out: int, half: bool
) -> tuple[torch.Tensor, int]:
    """Frequencies kept along one axis, and the weight index of the first one.

    A full axis keeps k in [-(M//2), (M-1)//2] for each bound M among the requested modes, the
    weights and both grids; weight index k + W//2 holds frequency k. A half (rfft) axis keeps
    k in [0, M) with weight index k.
    """
    if half:
        return torch.arange(min(n_modes, n_weights, n_in // 2 + 1, n_out // 2 + 1)), 0
    bounds = (n_modes, n_weights, n_in, n_out)
    low = max(-(b // 2) for b in bounds)
    high = min((b - 1) // 2 for b in bounds)
    return torch.arange(low, high + 1), low + n_weights // 2


def _hermitian_columns(spectrum: torch.Tensor, n_last: int, order: int) -> torch.Tensor:
    """Project the k_last = 0 (and even-size Nyquist) columns of a half spectrum onto
    Hermitian symmetry, c(k) <- (c(k) + conj c(-k))/2 over the other axes, so that ``irfftn``
    has one well-defined answer on every FFT backend (neuraloperator #702)."""
    columns = [0, n_last // 2] if n_last % 2 == 0 else [0]
    other = tuple(range(-order, -1))
    spectrum = spectrum.clone()
    for c in columns:
        col = spectrum[..., c]
        mirrored = col.conj()
        if other:
            shift = tuple(d + 1 for d in other)  # the last axis is gone in ``col``
            mirrored = torch.roll(torch.flip(mirrored, shift), (1,) * len(shift), shift)
        spectrum[..., c] = 0.5 * (col + mirrored)
    return spectrum


class SpectralConv(_NeuralopSpectralConv):
    """Fourier layer y = F⁻¹[W(k) · F[x](k) for kept k] + b, correct on even and odd grids.

    Drop-in replacement for ``neuralop.layers.spectral_convolution.SpectralConv`` (same
    constructor, parameters and state dict); pass it to neuralop models as ``conv_module``.
    ``n_modes`` counts kept modes per axis as in neuraloperator (k in [-(M//2), (M-1)//2], and
    0..M//2 along the last axis of real data). The output grid may differ from the input grid
    (``output_shape`` or ``resolution_scaling_factor``): frequencies are placed by value, so a
    band-limited input gives samples of the same band-limited output at any size.

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int
        Channels of the output.
    n_modes : sequence of int
        Modes M kept per spatial axis (its length is the number of spatial dims).
    complex_data : bool, default False
        Complex fields in space (full FFT on every axis) instead of real ones (rFFT on the
        last axis).
    max_n_modes : sequence of int or None, default None
        Modes the weights are sized for, the most ``n_modes`` may later be set to; None:
        ``n_modes``.
    bias : bool, default True
        Add a learned per-channel bias b.
    separable : bool, default False
        Channel-wise (diagonal) weights instead of full ``in × out`` matrices per mode;
        needs ``in_channels == out_channels``.
    resolution_scaling_factor : float, sequence of float or None, default None
        Output grid size = round(input size × factor) per axis, when no ``output_shape`` is
        given to :meth:`forward`.
    fno_block_precision : {"full", "half", "mixed"}, default "full"
        Precision of the FFT and the spectral product.
    rank : float, default 0.5
        Rank of the factorised weight (ignored without ``factorization``).
    factorization : {None, "tucker", "cp", "tt", "dense"}, default None
        Learn the weight tensor in this factorised form (tensorly-torch); None for a dense
        complex tensor.
    implementation : {"reconstructed", "factorized"}, default "reconstructed"
        With a factorisation: rebuild the full weight, or contract with the factors.
    fixed_rank_modes : bool, default False
        With a factorisation: leave the first mode unfactorised.
    decomposition_kwargs : dict or None, default None
        Extra arguments of the tensor factorisation.
    init_std : float or "auto", default "auto"
        Standard deviation of the initial weights and bias; "auto" is
        √(2 / (in_channels + out_channels)).
    fft_norm : str, default "forward"
        ``norm`` of ``torch.fft``; with "forward" the Fourier coefficients, and hence the
        layer, do not depend on the grid size.
    device : torch.device or str or None, default None
        Device of the parameters.

    Raises
    ------
    ValueError
        From the constructor, for ``separable=True`` with ``in_channels != out_channels``;
        from :meth:`forward`, for an input or ``output_shape`` whose number of spatial dims
        is not ``len(n_modes)``.

    See Also
    --------
    build_operator : Models built with this layer (``spectral_conv="fixed"``).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> conv = SpectralConv(2, 3, n_modes=(4, 4))
    >>> conv(torch.randn(5, 2, 8, 8)).shape
    torch.Size([5, 3, 8, 8])
    >>> conv(torch.randn(5, 2, 9, 9)).shape  # odd grids too
    torch.Size([5, 3, 9, 9])
    >>> conv(torch.randn(5, 2, 8, 8), output_shape=(16, 16)).shape
    torch.Size([5, 3, 16, 16])

    A band-limited input sampled on 8×8 and on 16×16 gives the same output function:

    >>> def sample(n):
    ...     s = torch.arange(n) / n
    ...     x, y = torch.meshgrid(s, s, indexing="ij")
    ...     u = torch.cos(2 * torch.pi * x) + torch.sin(2 * torch.pi * y)
    ...     return torch.stack([u, torch.ones_like(u)]).unsqueeze(0)
    >>> coarse, fine = conv(sample(8), output_shape=(16, 16)), conv(sample(16))
    >>> bool(torch.allclose(coarse, fine, atol=1e-5))
    True
    """

    def forward(
        self, x: torch.Tensor, output_shape: tuple[int, ...] | list[int] | None = None
    ) -> torch.Tensor:
        in_shape = list(x.shape[2:])
        if len(in_shape) != self.order:
            raise ValueError(
                f"x must have shape (batch, channels, {self.order} spatial dims), "
                f"got {tuple(x.shape)}"
            )
        if output_shape is not None:
            out_shape = list(output_shape)
            if len(out_shape) != self.order:
                raise ValueError(
                    f"output_shape must have {self.order} entries, got {tuple(output_shape)}"
                )
        elif self.resolution_scaling_factor is not None:
            out_shape = [
                round(s * r) for s, r in zip(in_shape, self.resolution_scaling_factor, strict=True)
            ]
        else:
            out_shape = in_shape
        dims = tuple(range(-self.order, 0))
        real = not self.complex_data

        if self.fno_block_precision == "half":
            x = x.half()
        fft = torch.fft.rfftn if real else torch.fft.fftn
        spectrum = fft(x, dim=dims, norm=self.fft_norm)
        if self.fno_block_precision == "mixed":
            spectrum = spectrum.chalf()

        n_channel_axes = 1 if self.separable else 2
        weight_sizes = self.weight.shape[n_channel_axes:]
        weight_slices: list[slice] = [slice(None)] * n_channel_axes
        in_index, out_index = [], []
        sizes = zip(self.n_modes, weight_sizes, in_shape, out_shape, strict=True)
        for axis, (k, w, n, m) in enumerate(sizes):
            freqs, first = _kept_frequencies(k, w, n, m, half=real and axis == self.order - 1)
            weight_slices.append(slice(first, first + len(freqs)))
            in_index.append((freqs % n).to(x.device))
            out_index.append((freqs % m).to(x.device))

        for axis, index in enumerate(in_index):
            spectrum = spectrum.index_select(2 + axis, index)
        mixed = self._contract(
            spectrum, self.weight[tuple(weight_slices)], separable=self.separable
        )

        out_spectrum_shape = list(out_shape)
        if real:
            out_spectrum_shape[-1] = out_shape[-1] // 2 + 1
        out_spectrum = mixed.new_zeros((x.shape[0], mixed.shape[1], *out_spectrum_shape))
        grid = [
            index.view([-1 if a == axis else 1 for a in range(self.order)])
            for axis, index in enumerate(out_index)
        ]
        out_spectrum[(slice(None), slice(None), *grid)] = mixed

        if real:
            out_spectrum = _hermitian_columns(out_spectrum, out_shape[-1], self.order)
            y = torch.fft.irfftn(out_spectrum, s=out_shape, dim=dims, norm=self.fft_norm)
        else:
            y = torch.fft.ifftn(out_spectrum, s=out_shape, dim=dims, norm=self.fft_norm)
        if self.bias is not None:
            y = y + self.bias
        return y
