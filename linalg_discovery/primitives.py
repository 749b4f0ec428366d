"""Linear-algebra primitives of the program language, with their flop counts.

Every function is plain NumPy/SciPy. Sketches are small objects that apply the same random
S (d×m) to every matrix or vector they are given, so that S·A and S·b agree.
Flop counts are analytic (one multiply-add = 2 flops) and charged honestly, including the
sketch (the reference code charges a sketch 64n², independent of m).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.fft
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

SKETCH_KINDS = ("gaussian", "srht", "srft", "countsketch", "sparse_sign")
__all__ = [
    "SKETCH_KINDS",
    "Sketch",
    "countsketch",
    "fwht",
    "gaussian_sketch",
    "invert",
    "is_upper_triangular",
    "logistic_gradient",
    "logistic_hessian_sqrt",
    "lsqr_step",
    "lstsq",
    "make_sketch",
    "preconditioned_cgls",
    "preconditioned_cgls_flops",
    "qr_r",
    "row_norm_probabilities",
    "sample_rows",
    "sketch_flops",
    "sketched_leverage_flops",
    "sketched_leverage_scores",
    "sparse_sign_sketch",
    "srft_sketch",
    "srht_sketch",
    "triangular_solve",
]


@dataclass(frozen=True)
class Sketch:
    """A random embedding S: R^m → R^d, applied column-wise by ``apply``.

    ``flops_per_column`` is the cost of S·y for one vector y ∈ R^m.
    """

    kind: str
    d: int
    m: int
    apply: Callable[[np.ndarray], np.ndarray]
    flops_per_column: float

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if y.shape[0] != self.m:
            raise ValueError(f"sketch of {self.m} rows applied to an array of {y.shape[0]} rows")
        return self.apply(y)


def fwht(y: np.ndarray) -> np.ndarray:
    """Unnormalised fast Walsh–Hadamard transform H·y along axis 0 (length a power of two)."""
    m = y.shape[0]
    if m & (m - 1):
        raise ValueError(f"fwht needs a power-of-two length, got {m}")
    out = np.array(y, dtype=np.float64, copy=True).reshape(m, -1)
    h = 1
    while h < m:
        blocks = out.reshape(m // (2 * h), 2, h, -1)
        top, bottom = blocks[:, 0].copy(), blocks[:, 1]
        blocks[:, 0] += bottom
        blocks[:, 1] = top - bottom
        h *= 2
    return out.reshape(y.shape)


def gaussian_sketch(d: int, m: int, rng: np.random.Generator) -> Sketch:
    """S = G/√d, G with i.i.d. N(0, 1) entries."""
    s = rng.standard_normal((d, m)) / np.sqrt(d)
    return Sketch("gaussian", d, m, lambda y: s @ y, sketch_flops("gaussian", d, m))


def srht_sketch(d: int, m: int, rng: np.random.Generator) -> Sketch:
    """Subsampled randomized Hadamard transform S = √(M/d)·P·H·D/√M on y zero-padded to
    M = 2^⌈log₂ m⌉ rows: D random signs, H Walsh–Hadamard, P picks d rows without replacement."""
    big = 1 << max(0, int(np.ceil(np.log2(m))))
    signs = rng.choice([-1.0, 1.0], size=m)
    rows = np.sort(rng.choice(big, size=min(d, big), replace=False))
    scale = 1.0 / np.sqrt(len(rows))

    def apply(y: np.ndarray) -> np.ndarray:
        padded = np.zeros((big, *y.shape[1:]))
        padded[:m] = (signs * y.T).T
        return fwht(padded)[rows] * scale

    return Sketch("srht", len(rows), m, apply, sketch_flops("srht", d, m))


def srft_sketch(d: int, m: int, rng: np.random.Generator) -> Sketch:
    """Subsampled randomized trigonometric transform S = √(m/d)·P·C·D with C the orthonormal
    DCT-II (a real SRFT): D random signs, P picks d rows without replacement."""
    signs = rng.choice([-1.0, 1.0], size=m)
    rows = np.sort(rng.choice(m, size=min(d, m), replace=False))
    scale = np.sqrt(m / len(rows))

    def apply(y: np.ndarray) -> np.ndarray:
        return scipy.fft.dct((signs * y.T).T, axis=0, norm="ortho")[rows] * scale

    return Sketch("srft", len(rows), m, apply, sketch_flops("srft", d, m))


def _sparse_embedding(d: int, m: int, nnz: int, rng: np.random.Generator) -> sp.csc_matrix:
    """d×m matrix with ``nnz`` random ±1/√nnz entries per column, in rows drawn with replacement
    (a repeated row adds its entries up). Stored by columns, so S·A reads A once, row by row."""
    rows = rng.integers(0, d, size=(m, nnz))
    vals = rng.choice([-1.0, 1.0], size=(m, nnz)) / np.sqrt(nnz)
    cols = np.repeat(np.arange(m), nnz)
    return sp.csc_matrix((vals.ravel(), (rows.ravel(), cols)), shape=(d, m))


def countsketch(d: int, m: int, rng: np.random.Generator) -> Sketch:
    """CountSketch: one ±1 per column of S, in a uniformly random row."""
    s = _sparse_embedding(d, m, 1, rng)
    return Sketch("countsketch", d, m, lambda y: s @ y, sketch_flops("countsketch", d, m))


def sparse_sign_sketch(d: int, m: int, rng: np.random.Generator, nnz: int = 8) -> Sketch:
    """Sparse sign embedding: ``nnz`` entries ±1/√nnz per column of S (the reference's SJLT)."""
    s = _sparse_embedding(d, m, nnz, rng)
    return Sketch("sparse_sign", d, m, lambda y: s @ y, 2.0 * nnz * m)


SKETCHES: dict[str, Callable[[int, int, np.random.Generator], Sketch]] = {
    "gaussian": gaussian_sketch,
    "srht": srht_sketch,
    "srft": srft_sketch,
    "countsketch": countsketch,
    "sparse_sign": sparse_sign_sketch,
}


def sketch_flops(kind: str, d: int, m: int) -> float:
    """Flops of S·y for one vector y ∈ R^m (S from :func:`make_sketch`)."""
    if kind == "gaussian":
        return 2.0 * d * m
    if kind == "srht":
        big = 1 << max(0, int(np.ceil(np.log2(m))))
        return float(big * np.log2(max(big, 2)) + m)
    if kind == "srft":
        return float(2.5 * m * np.log2(max(m, 2)) + m)
    if kind == "countsketch":
        return 2.0 * m
    if kind == "sparse_sign":
        return 16.0 * m
    raise ValueError(f"sketch kind must be one of {', '.join(SKETCH_KINDS)}, got {kind!r}")


def make_sketch(kind: str, d: int, m: int, rng: np.random.Generator) -> Sketch:
    """The sketch ``kind`` (one of :data:`SKETCH_KINDS`) from R^m to R^d."""
    if kind not in SKETCHES:
        raise ValueError(f"sketch kind must be one of {', '.join(SKETCH_KINDS)}, got {kind!r}")
    return SKETCHES[kind](int(d), int(m), rng)


def qr_r(a: np.ndarray) -> np.ndarray:
    """R of the Householder QR A = QR (economic, R upper triangular n×n)."""
    return sla.qr(a, mode="r", check_finite=False)[0][: a.shape[1]]


def is_upper_triangular(a: np.ndarray) -> bool:
    return a.ndim == 2 and a.shape[0] == a.shape[1] and not np.any(np.tril(a, -1))


def invert(a: np.ndarray) -> np.ndarray:
    """A⁻¹ of a square A: a triangular solve when A is upper triangular, else the
    pseudo-inverse A⁺ (so a singular A does not fail)."""
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise np.linalg.LinAlgError(f"inverse of a non-square matrix of shape {a.shape}")
    if is_upper_triangular(a):
        return sla.solve_triangular(a, np.eye(a.shape[0]), check_finite=False)
    return np.linalg.pinv(a)


def triangular_solve(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z = R⁻¹v for upper-triangular R (back substitution)."""
    if not is_upper_triangular(r):
        raise np.linalg.LinAlgError("triangular solve of a matrix that is not upper triangular")
    return sla.solve_triangular(r, v, check_finite=False)


def lstsq(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """z = argmin ‖Az − v‖₂ (LAPACK, minimum norm)."""
    return np.linalg.lstsq(a, v, rcond=None)[0]


def lsqr_step(a: np.ndarray, v: np.ndarray, iterations: int) -> np.ndarray:
    """``iterations`` steps of LSQR on min ‖Az − v‖₂ from z = 0 (Golub–Kahan bidiagonalisation)."""
    return spla.lsqr(a, v, atol=0.0, btol=0.0, conlim=0.0, iter_lim=iterations)[0]


def _row_blocks(a: np.ndarray, elements: int = 1 << 17) -> list[np.ndarray]:
    """Views of consecutive row blocks of ``a`` of about ``elements`` entries (≈ 1 MB)."""
    step = max(1, elements // max(a.shape[1], 1))
    return [a[i : i + step] for i in range(0, a.shape[0], step)]


def preconditioned_cgls(a: np.ndarray, r: np.ndarray, v: np.ndarray, iterations: int) -> np.ndarray:
    """z ≈ argmin ‖Az − v‖₂ by ``iterations`` steps of CG on the right-preconditioned normal
    equations (AR⁻¹)ᵀ(AR⁻¹)y = (AR⁻¹)ᵀv from y = 0, z = R⁻¹y (CGLS; equal to LSQR on AR⁻¹
    in exact arithmetic). R is upper triangular n×n, e.g. from QR of a sketch S·A, so that
    AR⁻¹ is well conditioned (Blendenpik, LSRN). Aᵀ(Aw) is formed in one pass over A, by row
    blocks that stay in cache; R⁻¹ and R⁻ᵀ are triangular solves."""
    n = a.shape[1]
    if not is_upper_triangular(r) or r.shape[0] != n or v.shape != (a.shape[0],):
        raise np.linalg.LinAlgError(
            f"preconditioned CGLS needs A (m×n), upper-triangular R (n×n) and v of length m; "
            f"got {a.shape}, {r.shape}, {v.shape}"
        )
    blocks = _row_blocks(a)

    def normal(y: np.ndarray) -> np.ndarray:
        w = sla.solve_triangular(r, y, check_finite=False)
        out = np.zeros(n)
        for block in blocks:
            out += block.T @ (block @ w)
        return sla.solve_triangular(r, out, trans="T", check_finite=False)

    rhs = sla.solve_triangular(r, a.T @ v, trans="T", check_finite=False)
    operator = spla.LinearOperator((n, n), matvec=normal, dtype=np.float64)
    # atol = the smallest normal float: stop at an exactly zero residual (a one-column A, an
    # orthonormal AR⁻¹), where one more CG step would divide 0 by 0
    tiny = np.finfo(np.float64).tiny
    y = spla.cg(operator, rhs, rtol=0.0, atol=tiny, maxiter=iterations)[0]
    return sla.solve_triangular(r, y, check_finite=False)


def preconditioned_cgls_flops(m: int, n: int, iterations: int) -> float:
    """Flops of :func:`preconditioned_cgls`: Aᵀv and two triangular solves, then per step
    Aᵀ(Aw) (4mn), two triangular solves (2n²) and the CG vector updates (10n)."""
    return 2.0 * m * n + 2.0 * n * n + iterations * (4.0 * m * n + 2.0 * n * n + 10.0 * n)


def sketched_leverage_scores(
    a: np.ndarray, rng: np.random.Generator, oversampling: int = 4
) -> np.ndarray:
    """ℓ_i ≈ ‖(A R⁻¹)_i‖², R from QR(S·A), S a sparse sign sketch with ``oversampling``·n rows
    (a subspace embedding, so ℓ_i is within a constant factor of the true leverage score)."""
    m, n = a.shape
    sketch = sparse_sign_sketch(min(m, oversampling * n), m, rng)
    r = qr_r(sketch(a))
    q = sla.solve_triangular(r, a.T, trans="T", check_finite=False)
    return np.einsum("ij,ij->j", q, q)


def sketched_leverage_flops(m: int, n: int, oversampling: int = 4) -> float:
    d = min(m, oversampling * n)
    return 16.0 * m * n + 2.0 * d * n * n + m * n * n + 2.0 * m * n


def row_norm_probabilities(a: np.ndarray) -> np.ndarray:
    """p_i = ‖a_i‖²/‖A‖_F² (the reference's LEVERAGE_SCORE)."""
    w = np.einsum("ij,ij->i", a, a)
    return w / w.sum()


def sample_rows(
    m: int, k: int, p: np.ndarray | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """k row indices and importance weights: uniform without replacement (weight √(m/k)), or
    i.i.d. with probabilities p (weight 1/√(k p_i)), so that E[(WS A)ᵀ(WS A)] = AᵀA."""
    k = min(k, m)
    if p is None:
        return rng.choice(m, size=k, replace=False), np.full(k, np.sqrt(m / k))
    idx = rng.choice(m, size=k, replace=True, p=p)
    return idx, 1.0 / np.sqrt(k * p[idx])


def sigmoid(t: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def logistic_gradient(a: np.ndarray, y: np.ndarray, x: np.ndarray, ridge: float) -> np.ndarray:
    """∇f(x) = Aᵀ(σ(Ax) − y) + λx for f(x) = Σ_i log(1 + e^{a_iᵀx}) − y_i a_iᵀx + λ‖x‖²/2."""
    return a.T @ (sigmoid(a @ x) - y) + ridge * x


def logistic_hessian_sqrt(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """D^{1/2}A with D = diag(σ(Ax)(1 − σ(Ax))), so (D^{1/2}A)ᵀ(D^{1/2}A) = ∇²f − λI."""
    s = sigmoid(a @ x)
    return np.sqrt(s * (1.0 - s))[:, None] * a
