"""Preconditioners fitted to a family of systems (many solves with one parametric operator).

Each training matrix is Jacobi-scaled and probed exactly as :func:`polynomial_preconditioner`
does; its exact scaled spectrum (dense ``eigvalsh``, so members of up to a few thousand rows)
replaces the synthetic spectra of :mod:`solvers.training`, and the same loss (CG unrolled on the
spectrum) trains the network. Families (:data:`solvers.families.FAMILIES`; seeded members,
index i → seed i, on a size×size grid, size in [MIN_SIZE, MAX_SIZE] = [5, 70]):

- ``darcy``: −∇·(a∇u) on n×n cells with a the thresholded Gaussian field of the Darcy
  benchmark (:func:`sciml.data.matrices.darcy`);
- ``anisotropic``: rotated anisotropic diffusion (:func:`sciml.data.matrices.anisotropic2d`)
  with ε = 10^U(−3, 0) and θ = U(0, π).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import torch
from tqdm.auto import tqdm

from sciml.core.checks import check_choice
from sciml.core.rng import SEED_MAX, check_seed
from solvers.families import FAMILIES, MAX_SIZE, MIN_SIZE
from solvers.learner import ModelConfig, SpectralNet, save_model
from solvers.linear_operators import check_degree, check_operator, jacobi_scaling, scaled_operator
from solvers.objectives import unrolled_cg_residuals
from solvers.probes import probe
from solvers.training import CG_RTOL, Examples, fit_examples

MAX_ROWS = 5000  # exact spectra by dense eigvalsh
# The loss is CG's residual after this fraction of the outer iterations the start (Chebyshev)
# polynomial needs on the member's spectrum: the target is to need that many fewer.
BUDGET_FRACTION = 0.75


def family_member(family: str, index: int, size: int = 32) -> sp.csr_matrix:
    """Member ``index`` of ``family`` (a name in :data:`solvers.families.FAMILIES`) on a
    ``size``×``size`` grid, seeded by ``index``; ``size`` in [MIN_SIZE, MAX_SIZE] = [5, 70]."""
    check_choice(family, "family", FAMILIES)
    integer = isinstance(size, int | np.integer) and not isinstance(size, bool)
    if not (integer and MIN_SIZE <= size <= MAX_SIZE):
        raise ValueError(f"size must be an integer in [{MIN_SIZE}, {MAX_SIZE}], got {size!r}")
    return FAMILIES[family](index, int(size))


def family_members(family: str, count: int, *, start: int = 0, size: int = 32) -> Iterator:
    """Members start, …, start + count − 1 of ``family``."""
    return (family_member(family, start + i, size) for i in range(count))


def examples_from_matrices(
    matrices: Iterable, config: ModelConfig, *, seed: int = 0, progress: bool = False
) -> Examples:
    """Training examples from explicit SPD matrices: features of the seeded probe of S A S
    (S = D^{-1/2}), λ̂ = λ(SAS)/u and the budget ⌈0.75 × outer CG iterations of the start
    polynomial on λ̂⌉."""
    feats, lowers, lams = [], [], []
    for a in tqdm(matrices, desc="spectra", disable=not progress):
        a = check_operator(a, "matrices")
        if not sp.issparse(a) or a.shape[0] > MAX_ROWS:
            raise ValueError(
                f"matrices must be explicit sparse matrices with at most {MAX_ROWS} rows "
                f"(their exact spectra are computed), got {type(a).__name__} of shape {a.shape}"
            )
        scaled = scaled_operator(a, jacobi_scaling(a))
        result = probe(scaled, steps=config.probe_steps, seed=seed)
        if not result.lower > 0.0:
            raise ValueError("matrices must be symmetric positive definite (probe found θ ≤ 0)")
        lam = scipy.linalg.eigvalsh(scaled.toarray())
        feats.append(result.features(config.ritz))
        lowers.append(max(result.lower / result.upper, 1e-8))
        lams.append(np.minimum(lam / result.upper, 1.0))
    if not lams:
        raise ValueError("matrices is empty: fit_preconditioner needs at least two matrices")
    if len({x.size for x in lams}) != 1:
        raise ValueError("matrices must all have the same size (one family, one grid)")
    count = len(lams)
    examples = Examples(
        torch.tensor(np.array(feats)),
        torch.tensor(lowers, dtype=torch.float64),
        torch.ones(count, dtype=torch.float64),
        torch.tensor(np.array(lams)),
        torch.zeros(count, dtype=torch.long),
    )
    start = SpectralNet(config)  # the Chebyshev iteration on the probe interval
    with torch.no_grad():
        a_hat, roots = start(examples.features, examples.lower, examples.param)
        mu = examples.lam * start.evaluate(examples.lam, a_hat, roots)
        outer = (unrolled_cg_residuals(mu, 4 * examples.lam.shape[1]) > CG_RTOL).sum(-1)
    examples.budget = torch.ceil(BUDGET_FRACTION * outer).long().clamp_min(1)
    return examples


def fit_preconditioner(
    matrices: Iterable,
    degree: int,
    path: str | os.PathLike,
    *,
    validation: float = 0.25,
    seed: int = 0,
    epochs: int = 60,
    lr: float = 5e-4,
    batch: int = 8,
    progress: bool = False,
) -> dict:
    """Train a degree-d preconditioning network on the spectra of a family of matrices.

    ``matrices`` is an iterable or generator of SPD sparse matrices of one family; the
    network is trained on the exact spectra of their Jacobi-scaled forms and written to
    ``path`` (atomically); the last ``validation`` fraction of them picks the epoch. Returns
    the training summary. Use it with ``polynomial_preconditioner(A, degree, "learned",
    model=path)``.

    Parameters
    ----------
    matrices : iterable of sparse matrix
        Explicit SPD sparse matrices of one size, at most ``MAX_ROWS`` = 5000 rows each (their
        spectra are computed densely), at least two; e.g. :func:`family_members`.
    degree : int
        Degree d of the polynomial (>= 1).
    path : str or os.PathLike
        The model file to write.
    validation : float, default 0.25
        Fraction of the matrices (the last ones, at least one) held out to pick the epoch,
        in (0, 1).
    seed : int, default 0
        Seed of the probes, the network's initialisation and the batches.
    epochs : int, default 60
        Epochs of Adam.
    lr : float, default 5e-4
        Adam's learning rate.
    batch : int, default 8
        Matrices per batch.
    progress : bool, default False
        Show progress bars.

    Returns
    -------
    dict
        The training summary: task "precond", ``degree``, ``seed``, ``epochs``, ``lr``,
        ``valid_loss_classical`` (the start polynomial, Chebyshev on the probe interval),
        ``valid_loss_learned`` (the kept epoch, never higher), ``best_epoch``, ``samples``,
        ``validation_samples`` and the file's ``path``.

    Raises
    ------
    ValueError
        For a ``validation`` outside (0, 1), a bad ``degree``, fewer than two matrices,
        matrices of different sizes, a matrix that is not explicit and sparse, has more
        than 5000 rows or is not positive definite (probe Ritz value ≤ 0).
    TypeError
        If ``degree`` is not an integer, or a matrix is no matrix at all.

    See Also
    --------
    polynomial_preconditioner : Applies the model (``model=path``).
    family_members : Seeded members of a registered family.
    train_shipped_models : Trains on synthetic spectra instead.

    Examples
    --------
    >>> import os, tempfile, numpy as np, scipy.sparse.linalg as spla
    >>> from solvers import polynomial_preconditioner
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = os.path.join(folder.name, "darcy-d5.pt")
    >>> summary = fit_preconditioner(family_members("darcy", 4, size=8), 5, path, epochs=2)
    >>> summary["samples"], summary["validation_samples"], summary["path"] == path
    (3, 1, True)
    >>> bool(summary["valid_loss_learned"] <= summary["valid_loss_classical"])
    True
    >>> a = family_member("darcy", 10, size=8)  # a member not trained on
    >>> m = polynomial_preconditioner(a, 5, "learned", model=path)
    >>> x, info = spla.cg(a, np.ones(64), M=m, rtol=1e-8)
    >>> info, m.method
    (0, 'learned')
    >>> folder.cleanup()
    """
    degree = check_degree(degree)
    seed = check_seed(seed, maximum=SEED_MAX)  # torch.manual_seed takes at most 2⁶⁴ − 1
    if not 0.0 < validation < 1.0:
        raise ValueError(f"validation must be in (0, 1), got {validation!r}")
    config = ModelConfig("precond", degree)
    examples = examples_from_matrices(matrices, config, seed=seed, progress=progress)
    count = examples.lam.shape[0]
    n_valid = max(1, int(round(validation * count)))
    if count - n_valid < 1:
        raise ValueError(f"matrices must hold at least two matrices, got {count}")
    split = [slice(0, count - n_valid), slice(count - n_valid, count)]
    train, valid = (
        Examples(e.features[s], e.lower[s], e.param[s], e.lam[s], e.budget[s])
        for e, s in ((examples, split[0]), (examples, split[1]))
    )
    model, summary = fit_examples(
        config, train, valid, seed=seed, epochs=epochs, batch=batch, lr=lr, progress=progress
    )
    summary = {**summary, "samples": count - n_valid, "validation_samples": n_valid}
    save_model(model, Path(path), summary)
    return {**summary, "path": str(Path(path))}
