"""Training and evaluation losses on batched fields of shape (B, channels, *grid)."""

from __future__ import annotations

from collections.abc import Callable

import torch


def _check_pair(pred: torch.Tensor, target: torch.Tensor) -> None:
    for name, value in (("pred", pred), ("target", target)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got pred {tuple(pred.shape)} "
            f"and target {tuple(target.shape)}"
        )
    if pred.ndim < 2:
        raise ValueError(
            f"expected (batch, ...) tensors with ndim >= 2, got shape {tuple(pred.shape)}"
        )


def relative_l2(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ‖pred_i − target_i‖₂ / ‖target_i‖₂.

    The norms run over all non-batch dims (channels and space) together; a zero target
    gives inf or nan. Equals neuraloperator's ``LpLoss(d=2, p=2, reduction="mean")`` on
    single-channel 2D fields (up to its 1e-8 in the denominator).

    Parameters
    ----------
    pred : torch.Tensor
        Predictions ``(B, ...)``, e.g. ``(B, C, *grid)``.
    target : torch.Tensor
        Targets of the same shape.

    Returns
    -------
    torch.Tensor
        A scalar (differentiable).

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not a tensor.
    ValueError
        If their shapes differ or they have fewer than 2 dims.

    See Also
    --------
    mse : The mean squared error.

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[[3.0, 4.0]]])  # (B, C, X) = (1, 1, 2)
    >>> relative_l2(torch.tensor([[[3.0, 0.0]]]), target)
    tensor(0.8000)
    """
    _check_pair(pred, target)
    diff = torch.linalg.vector_norm((pred - target).flatten(1), dim=1)
    return (diff / torch.linalg.vector_norm(target.flatten(1), dim=1)).mean()


def mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error over all entries, mean_{i,c,x} (pred − target)² (``nn.MSELoss``).

    Parameters
    ----------
    pred : torch.Tensor
        Predictions ``(B, ...)``.
    target : torch.Tensor
        Targets of the same shape.

    Returns
    -------
    torch.Tensor
        A scalar (differentiable).

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not a tensor.
    ValueError
        If their shapes differ or they have fewer than 2 dims.

    Examples
    --------
    >>> import torch
    >>> mse(torch.zeros(1, 1, 2), torch.tensor([[[3.0, 4.0]]]))
    tensor(12.5000)
    >>> mse(torch.zeros(2, 3), torch.zeros(2, 4))
    Traceback (most recent call last):
    ...
    ValueError: pred and target must have the same shape, got pred (2, 3) and target (2, 4)
    """
    _check_pair(pred, target)
    return torch.mean((pred - target) ** 2)


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mse": mse,
    "rel_l2": relative_l2,
}


def relative_l2_per_field(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per channel c: mean over the batch of ‖pred_ic − target_ic‖₂/‖target_ic‖₂, the norms
    over the spatial dims only. Returns a (C,) tensor."""
    _check_pair(pred, target)
    if pred.ndim < 3:
        raise ValueError(f"expected (batch, channels, *grid) tensors, got {tuple(pred.shape)}")
    diff = torch.linalg.vector_norm((pred - target).flatten(2), dim=2)
    return (diff / torch.linalg.vector_norm(target.flatten(2), dim=2)).mean(dim=0)


def vrmse(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """Variance-scaled RMSE per field as The Well defines it, channels first:
    VRMSE_ic = sqrt(mean_x (pred − target)² / (var_x(target) + eps)), spatial mean and
    variance per sample and field, then averaged over the batch. Returns a (C,) tensor.

    Parameters
    ----------
    pred : torch.Tensor
        Predictions ``(B, C, *grid)``.
    target : torch.Tensor
        Targets of the same shape.
    eps : float, default 1e-7
        Added to the variance, so that a constant target field gives a finite (large) value.

    Returns
    -------
    torch.Tensor
        Shape ``(C,)``: one value per field.

    Raises
    ------
    TypeError
        If ``pred`` or ``target`` is not a tensor.
    ValueError
        If their shapes differ or they have fewer than 3 dims.

    Examples
    --------
    >>> import torch
    >>> target = torch.tensor([[[1.0, 3.0], [0.0, 2.0]]])  # (B, C, X) = (1, 2, 2)
    >>> pred = torch.tensor([[[1.0, 1.0], [0.0, 2.0]]])
    >>> vrmse(pred, target)  # field 0: sqrt(mean (0, 4) / var (1, 3)) = sqrt(2)
    tensor([1.4142, 0.0000])
    """
    _check_pair(pred, target)
    if pred.ndim < 3:
        raise ValueError(f"expected (batch, channels, *grid) tensors, got {tuple(pred.shape)}")
    dims = tuple(range(2, pred.ndim))
    mse_ic = ((pred - target) ** 2).mean(dim=dims)
    var_ic = target.var(dim=dims, unbiased=False)
    return torch.sqrt(mse_ic / (var_ic + eps)).mean(dim=0)
