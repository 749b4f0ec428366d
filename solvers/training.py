"""Self-supervised training of the spectral networks on synthetic diagonal operators.

An example is a spectrum from :func:`sciml.data.matrices.synthetic_spectrum` (random profile,
condition number and scale; half of them the union of two profiles), probed exactly as a user
matrix would be (seeded Lanczos on the diagonal operator). No solution is ever needed: the loss
is the task objective of :mod:`solvers.objectives` evaluated on the spectrum.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from tqdm.auto import tqdm

from sciml.core.rng import SEED_MAX, check_seed
from sciml.data.matrices import SPECTRUM_PROFILES, synthetic_spectrum
from solvers.learner import ModelConfig, SpectralNet, model_path, save_model
from solvers.objectives import (
    FUNCTIONS,
    filter_loss,
    function_loss,
    preconditioning_loss,
    unrolled_cg_residuals,
)
from solvers.probes import probe

SHIPPED = (
    ("precond", 5),
    ("precond", 10),
    ("precond", 20),
    ("inv", 10),
    ("invsqrt", 10),
    ("exp", 10),
    ("step", 20),
    ("filter", 12),
)
COND_RANGE = {  # log10 κ
    "precond": (1.0, 7.0),
    "inv": (1.0, 4.0),
    "invsqrt": (1.0, 5.0),
    "filter": (1.0, 6.0),
}
CG_RTOL = 1e-8
# Adam's step per model where the default 5e-4 does not suit: at degree 20 the product of 21
# root factors is so sensitive that 5e-4 blows up after two epochs (gradient norms 1e3–1e9, the
# validation loss rising from −4.07 to −1.3), so the best epoch was epoch 1.
LEARNING_RATES = {("precond", 20): 2e-4, ("filter", 12): 1e-3}
# Training (not validation) unrolls CG for at most this many outer iterations: gradients through
# longer unrolled CG runs explode (norms 1e4–1e11 at degree 5, whose budgets reach 321
# iterations), and Adam then walks off the start polynomial in the first epoch.
TRAIN_UNROLL_CAP = 64
# exp: the mean log10 error is dominated by spectra the interpolant resolves to 1e-14; with plain
# additive corrections the first Adam step perturbs those at 1e-6, so no epoch beat epoch 0.
SCALED_CORRECTIONS = ("exp",)


@dataclass
class Examples:
    """Stacked training examples: features, lower Ritz ratio, parameter, normalised spectra
    λ̂ (batch × n), for preconditioning the outer-iteration budget, for the filter the number
    of wanted eigenvalues and the block size (the cut ĉ is the parameter, the wanted edge ŵ
    takes the place of the lower ratio)."""

    features: torch.Tensor
    lower: torch.Tensor
    param: torch.Tensor
    lam: torch.Tensor
    budget: torch.Tensor
    wanted: torch.Tensor | None = None
    block: torch.Tensor | None = None


def _spectrum(rng: np.random.Generator, n: int, log_cond: tuple[float, float]) -> np.ndarray:
    lmax = 10.0 ** rng.uniform(-2.0, 3.0)
    parts = 2 if rng.random() < 0.5 else 1
    sizes = [n // parts + (n % parts if i == 0 else 0) for i in range(parts)]
    lam = [
        synthetic_spectrum(
            str(rng.choice(SPECTRUM_PROFILES)),
            size,
            cond=10.0 ** rng.uniform(*log_cond),
            seed=rng,
            lmax=lmax,
        )
        for size in sizes
    ]
    return np.sort(np.concatenate(lam))


def _filter_example(rng: np.random.Generator, config: ModelConfig, n: int) -> tuple:
    """One filter example: a synthetic spectrum (mirrored half of the time, so both ends of the
    profiles are wanted), its probe, λ̂ = (λ − θ_min)/(u − θ_min) capped at 1, k wanted, block b
    and the cut ĉ: λ̂_b (the b-th smallest) raised towards λ̂_{3b} (Ritz values overestimate),
    or, a quarter of the time, anywhere up to 0.7 (the first sweeps of a random block)."""
    lam = _spectrum(rng, n, COND_RANGE["filter"])
    if rng.random() < 0.5:
        lam = np.sort(-lam)
    result = probe(sp.diags(lam), steps=config.probe_steps, seed=int(rng.integers(2**31)))
    lam_hat = np.minimum((lam - result.lower) / (result.upper - result.lower), 1.0)
    k = int(rng.integers(1, 17))
    block = k + int(rng.integers(2, k + 3))
    base = lam_hat[block - 1]
    if rng.random() < 0.25:
        cut = rng.uniform(base, max(base, 0.7))
    else:
        cut = base + rng.random() ** 3 * (lam_hat[min(3 * block, n - 1)] - base)
    edge = lam_hat[k - 1]
    return result.shifted_features(config.ritz), edge, min(cut, 0.95), lam_hat, k, block


def _filter_examples(config: ModelConfig, count: int, seed: int, n: int) -> Examples:
    rng = np.random.default_rng(seed)
    rows = [_filter_example(rng, config, n) for _ in range(count)]
    feats, edges, cuts, lams, ks, blocks = zip(*rows, strict=True)
    return Examples(
        torch.tensor(np.array(feats)),
        torch.tensor(edges, dtype=torch.float64),
        torch.tensor(cuts, dtype=torch.float64),
        torch.tensor(np.array(lams)),
        torch.zeros(count, dtype=torch.long),
        torch.tensor(ks),
        torch.tensor(blocks),
    )


def make_examples(config: ModelConfig, count: int, seed: int, n: int = 400) -> Examples:
    """``count`` seeded examples of size ``n`` for ``config.task``."""
    if config.task == "filter":
        return _filter_examples(config, count, seed, n)
    rng = np.random.default_rng(seed)
    log_cond = COND_RANGE.get(config.task, (1.0, 6.0))
    spec = FUNCTIONS.get(config.task)
    feats, lowers, params, lams = [], [], [], []
    for _ in range(count):
        lam = _spectrum(rng, n, log_cond)
        result = probe(sp.diags(lam), steps=config.probe_steps, seed=int(rng.integers(2**31)))
        feats.append(result.features(config.ritz))
        lowers.append(max(result.lower / result.upper, 1e-8))
        lams.append(np.minimum(lam / result.upper, 1.0))
        if spec is not None and spec.param == "t":
            params.append(10.0 ** rng.uniform(*np.log10(spec.param_range)))
        elif spec is not None and spec.param == "threshold":
            params.append(rng.uniform(*spec.param_range))
        else:
            params.append(1.0)
    lam_t = torch.tensor(np.array(lams))
    budget = torch.zeros(count, dtype=torch.long)
    if config.task == "precond":
        with torch.no_grad():
            res = unrolled_cg_residuals(lam_t, 4 * n)
        plain = (res > CG_RTOL).sum(-1)  # CG iterations to rtol on the unpreconditioned λ̂
        budget = torch.ceil(1.2 * plain / (config.degree + 1)).long().clamp_min(1)
    return Examples(
        torch.tensor(np.array(feats)),
        torch.tensor(lowers, dtype=torch.float64),
        torch.tensor(params, dtype=torch.float64),
        lam_t,
        budget,
    )


def loss(model: SpectralNet, ex: Examples, index: torch.Tensor | slice) -> torch.Tensor:
    """The task loss of :mod:`solvers.objectives` on the examples selected by ``index``."""
    config = model.config
    lam = ex.lam[index]
    a_hat, params = model(ex.features[index], ex.lower[index], ex.param[index])
    p = model.evaluate(lam, a_hat, params)
    if config.task == "filter":
        position = torch.arange(lam.shape[1])[None, :]
        wanted = position < ex.wanted[index][:, None]
        unwanted = position >= ex.block[index][:, None]
        return filter_loss(p, wanted, unwanted)
    if config.task == "precond":
        grid = torch.linspace(0.0, 1.0, 201, dtype=lam.dtype).expand(lam.shape[0], -1)
        return preconditioning_loss(lam, p, ex.budget[index], model.evaluate(grid, a_hat, params))
    return function_loss(FUNCTIONS[config.task], lam, p, ex.param[index])


def train_model(
    config: ModelConfig,
    *,
    seed: int = 0,
    samples: int = 384,
    epochs: int = 60,
    batch: int = 32,
    lr: float = 5e-4,
    size: int = 400,
    progress: bool = False,
) -> tuple[SpectralNet, dict]:
    """Adam on the task loss (gradient norm clipped at 1; preconditioning budgets capped at
    ``TRAIN_UNROLL_CAP`` outer iterations in training only), keeping the epoch with the best
    validation loss; returns the model and a summary with the validation loss of the classical
    start polynomial (the untrained model, epoch 0) and of the kept one."""
    train = make_examples(config, samples, seed, size)
    valid = make_examples(config, max(samples // 4, 8), seed + 10_000, size)
    model, summary = fit_examples(
        config, train, valid, seed=seed, epochs=epochs, batch=batch, lr=lr, progress=progress
    )
    return model, {**summary, "samples": samples, "size": size}


def fit_examples(
    config: ModelConfig,
    train: Examples,
    valid: Examples,
    *,
    seed: int = 0,
    epochs: int = 60,
    batch: int = 32,
    lr: float = 5e-4,
    progress: bool = False,
) -> tuple[SpectralNet, dict]:
    """The training loop of :func:`train_model` on given examples: Adam, best validation epoch
    kept; the summary holds the validation loss of the start polynomial and of the kept one."""
    samples = int(train.lam.shape[0])
    train.budget = train.budget.clamp(max=TRAIN_UNROLL_CAP)
    with torch.random.fork_rng(devices=[]):  # seeded here; the caller's torch RNG is untouched
        torch.manual_seed(seed)
        model = SpectralNet(config)
    with torch.no_grad():
        start_loss = float(loss(model, valid, slice(None)))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    best_loss, best_state, best_epoch = start_loss, copy.deepcopy(model.state_dict()), 0
    bar = tqdm(range(epochs), desc=f"train {config.task}-d{config.degree}", disable=not progress)
    for epoch in bar:
        for index in torch.randperm(samples, generator=generator).split(batch):
            optimizer.zero_grad()
            value = loss(model, train, index)
            value.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        with torch.no_grad():
            valid_loss = float(loss(model, valid, slice(None)))
        if valid_loss < best_loss:  # keep the best epoch on the validation set
            best_loss, best_state, best_epoch = (
                valid_loss,
                copy.deepcopy(model.state_dict()),
                epoch + 1,
            )
        bar.set_postfix(train=f"{value.item():.3f}", valid=f"{valid_loss:.3f}")
    model.load_state_dict(best_state)
    final_loss = best_loss
    summary = {
        "task": config.task,
        "degree": config.degree,
        "seed": seed,
        "epochs": epochs,
        "lr": lr,
        "valid_loss_classical": start_loss,
        "valid_loss_learned": final_loss,
        "best_epoch": best_epoch,
    }
    return model, summary


def train_shipped_models(
    directory: str | os.PathLike,
    *,
    seed: int = 0,
    progress: bool = True,
    models: tuple[tuple[str, int], ...] = SHIPPED,
    samples: int = 384,
    epochs: int = 60,
) -> dict:
    """Retrain the shipped models (``sciml precond train``) into ``directory``.

    Each (task, degree) of ``models`` is trained by Adam on ``samples`` seeded synthetic
    spectra of size 400 (plus max(samples // 4, 8) validation spectra), keeping the epoch of
    least validation loss, and saved as ``<task>-d<degree>.pt``. Sets torch's intra-op
    threads to 1 (``torch.set_num_threads(1)``) and leaves them there.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder the model files are written to (pass it as ``model_dir`` to use them).
    seed : int, default 0
        Seed of the examples and of the networks' initialisation.
    progress : bool, default True
        Show a progress bar per model.
    models : tuple of (str, int), default SHIPPED
        The (task, degree) pairs to train; tasks "precond", "inv", "invsqrt", "exp", "step"
        and "filter". The default is every shipped model.
    samples : int, default 384
        Training examples per model.
    epochs : int, default 60
        Epochs per model.

    Returns
    -------
    dict
        {"directory", "models": [summary per model]} where each summary holds the task,
        degree, seed, epochs, learning rate, ``best_epoch``, the file's ``path`` and the
        validation loss (log10 of the task error) before (``valid_loss_classical``, the
        start polynomial) and after training (``valid_loss_learned``, never higher).

    See Also
    --------
    fit_preconditioner : Trains a preconditioning model on a family of matrices instead.
    funm : Uses the "inv", "invsqrt", "exp" and "step" models (``model_dir``).
    polynomial_preconditioner : Uses the "precond" models (``model_dir``).

    Examples
    --------
    A tiny run (the shipped models used 384 samples and 60 epochs):

    >>> import tempfile, numpy as np, torch
    >>> from sciml.data.matrices import poisson2d
    >>> from solvers import funm
    >>> threads = torch.get_num_threads()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = train_shipped_models(
    ...         folder, models=(("inv", 10),), samples=4, epochs=1, progress=False
    ...     )
    ...     summary = out["models"][0]
    ...     a = poisson2d(8)
    ...     result = funm(a, np.ones(64), "inv", degree=10, model_dir=folder, rtol=1.0)
    >>> torch.set_num_threads(threads)  # train_shipped_models set it to 1
    >>> summary["task"], summary["degree"], summary["path"].endswith("inv-d10.pt")
    ('inv', 10, True)
    >>> bool(summary["valid_loss_learned"] <= summary["valid_loss_classical"])
    True
    >>> result.method, result.x.shape
    ('learned', (64,))
    """
    seed = check_seed(seed, maximum=SEED_MAX)  # torch.manual_seed takes at most 2⁶⁴ − 1
    torch.set_num_threads(1)
    summaries = []
    for task, degree in models:
        model, summary = train_model(
            ModelConfig(task, degree, scaled_corrections=task in SCALED_CORRECTIONS),
            seed=seed,
            samples=samples,
            epochs=epochs,
            lr=LEARNING_RATES.get((task, degree), 5e-4),
            progress=progress,
        )
        path = model_path(task, degree, directory)
        save_model(model, path, summary)
        summaries.append({**summary, "path": str(Path(path))})
    return {"directory": str(Path(directory)), "models": summaries}
