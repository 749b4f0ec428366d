"""The sparse-matrix collection: shipped files against their table and README, pyamg names,
generators against closed forms, seeds, Matrix Market round trips and error messages."""

from __future__ import annotations

import dataclasses
import gzip
import shutil
from importlib.resources import files

import numpy as np
import pytest
import scipy.io
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.data.matrices import (
    SPECTRUM_PROFILES,
    MatrixInfo,
    anisotropic2d,
    coherence,
    darcy,
    least_squares,
    list_matrices,
    load_matrix,
    matrix_info,
    poisson2d,
    poisson3d,
    synthetic_spectrum,
    synthetic_symmetric,
)
from sciml.data.pde.darcy import darcy_coefficient, darcy_operator

SUITESPARSE = list_matrices("suitesparse")
PYAMG_EXAMPLES = [i for i in list_matrices("pyamg") if "-" not in i.name]


def _same_bytes(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return all(x.tobytes() == y.tobytes() for x, y in
               zip((a.data, a.indices, a.indptr), (b.data, b.indices, b.indptr), strict=True))


def _exactly_symmetric(a: sp.csr_matrix) -> bool:
    return (a != a.T).nnz == 0


def _tridiag(n: int, diagonal: float, off: float) -> sp.csr_matrix:
    return sp.diags([off * np.ones(n - 1), diagonal * np.ones(n), off * np.ones(n - 1)],
                    [-1, 0, 1]).tocsr()


# ---------------------------------------------------------------- shipped SuiteSparse files


def _readme_rows() -> dict[str, list[str]]:
    text = files("sciml.data.matrices").joinpath("suitesparse", "README.md").read_text("utf-8")
    rows = [line.split("|")[1:-1] for line in text.splitlines() if line.startswith("| `")]
    return {cells[0].strip().strip("`"): [c.strip() for c in cells] for cells in rows}


def test_table_agrees_with_readme():
    rows = _readme_rows()
    assert sorted(rows) == sorted(i.name.split("/")[1] for i in SUITESPARSE)
    for info in SUITESPARSE:
        group, name = info.name.split("/")
        _, r_group, r_n, r_nnz, r_sym, r_spd, r_cond, *_ = rows[name]
        assert group == r_group
        assert info.n == int(r_n.replace(",", ""))
        assert info.nnz == int(r_nnz.replace(",", ""))
        assert info.symmetric == (r_sym == "yes")
        assert info.spd == (r_spd == "yes")
        assert info.cond == pytest.approx(float(r_cond), rel=1e-12)


def _extreme_eigenvalues(a: sp.csr_matrix) -> tuple[float, float]:
    """λmin (shift-invert at 0) and λmax (Lanczos) of a nonsingular symmetric matrix."""
    v0 = np.ones(a.shape[0])
    lmax = spla.eigsh(a, k=1, which="LA", v0=v0, return_eigenvectors=False)[0]
    lmin = spla.eigsh(a, k=1, sigma=0.0, which="LM", v0=v0, return_eigenvectors=False)[0]
    return lmin, lmax


@pytest.mark.parametrize("info", SUITESPARSE, ids=lambda i: i.name)
def test_shipped_file_agrees_with_table(info: MatrixInfo):
    a = load_matrix(info.name)
    assert type(a) is sp.csr_matrix and a.dtype == np.float64 and a.has_sorted_indices
    assert a.shape == (info.n, info.n)
    assert a.nnz == info.nnz
    assert _exactly_symmetric(a) == info.symmetric
    assert np.all(np.isfinite(a.data))
    if info.symmetric:
        lmin, lmax = _extreme_eigenvalues(a)
        assert (lmin > 0) == info.spd
        assert lmax / lmin == pytest.approx(info.cond, rel=6e-3)  # README: 3 digits


def test_bare_and_group_names_give_the_same_matrix():
    assert _same_bytes(load_matrix("nos4"), load_matrix("HB/nos4"))
    gr = load_matrix("gr_30_30")  # stored as integer
    assert gr.dtype == np.float64 and gr.diagonal().max() == 8.0


def test_explicit_zeros_kept_as_stored():
    assert np.count_nonzero(load_matrix("west0479").data == 0) == 22
    assert matrix_info("s1rmq4m1")["explicit_zeros"] == 18_700


def test_condition_number_of_nonsymmetric_west0479():
    s = scipy.linalg.svdvals(load_matrix("west0479").toarray())
    assert s[0] / s[-1] == pytest.approx(3.25e11, rel=6e-3)


def test_nos4_extreme_eigenvalues_match_readme():
    w = scipy.linalg.eigvalsh(load_matrix("nos4").toarray())
    assert w[0] == pytest.approx(0.000538, rel=1e-3)
    assert w[-1] == pytest.approx(0.849, rel=1e-3)
    info = matrix_info("HB/nos4")
    assert info["spd"] and info["symmetric"] and info["spectrum_method"] == "dense eigvalsh"
    assert info["lambda_min"] == pytest.approx(w[0], rel=1e-12)
    assert info["cond_estimate"] == pytest.approx(1.58e3, rel=5e-3)
    assert (info["n"], info["nnz"], info["nnz_per_row_max"]) == (100, 594, 7)


def test_matrix_info_sparse_path_on_bcsstk15():
    info = matrix_info("bcsstk15")  # n = 3948 > 500: LU inertia + eigsh
    assert info["spd"] is True and info["spectrum_method"].startswith("sparse")
    assert info["lambda_min"] == pytest.approx(1.0, rel=1e-8)  # the 6 decoupled unit rows
    assert info["lambda_max"] == pytest.approx(6.54e9, rel=5e-3)
    assert info["provenance"].startswith("SuiteSparse Matrix Collection HB/bcsstk15")


def test_matrix_info_sparse_path_against_closed_form(tmp_path):
    n = 46  # n² = 2116 > 500
    h = 1.0 / (n + 1)
    s2 = np.sin(np.arange(1, n + 1) * np.pi * h / 2) ** 2
    lam = np.sort((4 / h**2 * (s2[:, None] + s2[None, :])).ravel())
    a = poisson2d(n)
    for shift, spd in ((0.0, True), (0.5 * (lam[0] + lam[1]), False), (0.3 * lam[-1], False)):
        path = tmp_path / "shifted.mtx"
        scipy.io.mmwrite(path, (a - shift * sp.eye(n * n)).tocoo(), symmetry="symmetric")
        info = matrix_info(str(path))
        assert info["spd"] is spd and info["symmetric"]
        assert info["lambda_min"] == pytest.approx(lam[0] - shift, abs=1e-6 * lam[-1])
        assert info["lambda_max"] == pytest.approx(lam[-1] - shift, rel=1e-8)
    # Neumann grid Laplacian: singular, λ = (2 − 2cos(iπ/n)) + (2 − 2cos(jπ/n)), i, j = 0..n−1
    path_laplacian = _tridiag(n, 2.0, -1.0).tolil()
    path_laplacian[0, 0] = path_laplacian[-1, -1] = 1.0
    identity = sp.eye(n)
    neumann = sp.kron(path_laplacian, identity) + sp.kron(identity, path_laplacian)
    scipy.io.mmwrite(tmp_path / "neumann.mtx", neumann.tocoo(), symmetry="symmetric")
    info = matrix_info(tmp_path / "neumann.mtx")
    assert info["symmetric"] and info["spd"] is False
    assert info["lambda_min"] == pytest.approx(0.0, abs=1e-12)
    assert info["lambda_max"] == pytest.approx(4 - 4 * np.cos((n - 1) * np.pi / n), rel=1e-8)


def test_matrix_info_nonsymmetric_and_singular():
    info = matrix_info("sherman5")
    assert info["symmetric"] is False and info["spd"] is False
    assert info["lambda_min"] is None and info["asymmetry"] > 0
    singular = matrix_info("pyamg/unit_square")  # Neumann Laplacian, λmin ≈ 1e-15
    assert singular["symmetric"] and singular["spd"] is False


# ---------------------------------------------------------------- pyamg


@pytest.mark.parametrize("info", PYAMG_EXAMPLES, ids=lambda i: i.name)
def test_pyamg_example_agrees_with_table(info: MatrixInfo):
    a = load_matrix(info.name)
    assert type(a) is sp.csr_matrix and a.dtype == np.float64 and a.has_sorted_indices
    assert (a.shape, a.nnz) == ((info.n, info.n), info.nnz)
    asymmetry = abs(a - a.T).max() / abs(a).max()
    assert (asymmetry <= 1e-12) == info.symmetric
    if info.spd:
        lmin, lmax = _extreme_eigenvalues(a)
        assert lmin > 0 and lmax / lmin == pytest.approx(info.cond, rel=6e-3)
    else:  # small: unit_square (singular) and recirc_flow (nonsymmetric)
        dense = a.toarray()
        if info.symmetric:
            assert scipy.linalg.eigvalsh(dense)[0] < info.n * np.finfo(float).eps * abs(dense).max()
        else:
            s = scipy.linalg.svdvals(dense)
            assert s[0] / s[-1] == pytest.approx(info.cond, rel=6e-3)


def test_pyamg_poisson_names_against_closed_form():
    a = load_matrix("pyamg/poisson-7")  # 1D: eigenvalues 2 − 2cos(kπ/8)
    expected = 2 - 2 * np.cos(np.arange(1, 8) * np.pi / 8)
    np.testing.assert_allclose(np.linalg.eigvalsh(a.toarray()), expected, rtol=1e-13)
    b = load_matrix("pyamg/poisson-3x4x2")
    assert b.shape == (24, 24) and b.diagonal().max() == 6.0


def test_pyamg_diffusion_and_elasticity_names():
    k, m = (lambda n: _tridiag(n, 2.0, -1.0)), (lambda n: _tridiag(n, 4.0, 1.0) / 6)
    a = load_matrix("pyamg/diffusion-5x7", epsilon=0.01, theta=0.0)  # Q1 FE, x the slow index
    expected = sp.kron(k(5), m(7)) + 0.01 * sp.kron(m(5), k(7))
    assert abs(a - expected).max() < 1e-15
    e1 = load_matrix("pyamg/elasticity-3x4")
    e2 = load_matrix("pyamg/elasticity-3x4", E=2e5)
    assert e1.shape == (24, 24) and _exactly_symmetric(e1)
    assert abs(e2 - 2 * e1).max() <= 1e-12 * abs(e1).max()  # stiffness ∝ E
    assert np.linalg.eigvalsh(e1.toarray())[0] > 0


# ---------------------------------------------------------------- generators


def test_poisson2d_eigenvalues_closed_form():
    n = 7
    h = 1.0 / (n + 1)
    s2 = np.sin(np.arange(1, n + 1) * np.pi * h / 2) ** 2
    expected = np.sort((4 / h**2 * (s2[:, None] + s2[None, :])).ravel())
    a = poisson2d(n)
    assert _exactly_symmetric(a) and a.nnz == 5 * n * n - 4 * n
    np.testing.assert_allclose(np.linalg.eigvalsh(a.toarray()), expected, rtol=1e-12)


def test_poisson3d_eigenvalues_closed_form():
    n = 4
    h = 1.0 / (n + 1)
    s2 = np.sin(np.arange(1, n + 1) * np.pi * h / 2) ** 2
    expected = np.sort((4 / h**2 * (s2[:, None, None] + s2[None, :, None] + s2)).ravel())
    a = poisson3d(n)
    assert a.shape == (64, 64) and a.nnz == 7 * n**3 - 6 * n**2
    np.testing.assert_allclose(np.linalg.eigvalsh(a.toarray()), expected, rtol=1e-12)


def test_poisson2d_smallest_eigenvalue_converges_to_2pi2_at_second_order():
    errors = []
    for n in (7, 15, 31):  # h = 1/8, 1/16, 1/32
        lmin = spla.eigsh(poisson2d(n), k=1, sigma=0.0, return_eigenvectors=False)[0]
        errors.append(abs(lmin - 2 * np.pi**2))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    np.testing.assert_allclose(orders, 2.0, atol=0.05)


def test_anisotropic2d_closed_form_rotation_and_spd():
    k, m = _tridiag(6, 2.0, -1.0), _tridiag(6, 4.0, 1.0) / 6
    aligned = anisotropic2d(6, epsilon=0.01, theta=0.0)
    assert abs(aligned - (sp.kron(k, m) + 0.01 * sp.kron(m, k))).max() < 1e-15
    rotated = anisotropic2d(6, epsilon=0.01, theta=np.pi / 2)  # the weak direction becomes x
    assert abs(rotated - (sp.kron(m, k) + 0.01 * sp.kron(k, m))).max() < 1e-15
    for discretization in ("FE", "FD"):
        a = anisotropic2d(12, discretization=discretization)
        assert _exactly_symmetric(a)
        assert np.linalg.eigvalsh(a.toarray())[0] > 0
    assert _same_bytes(load_matrix("anisotropic2d-12"), anisotropic2d(12))


def test_darcy_matches_pde_module_and_is_bounded_by_laplacians():
    a = darcy(12, seed=4)
    coefficient = darcy_coefficient(np.random.default_rng(4), 12)
    assert abs(a - darcy_operator(coefficient)).max() == 0
    assert _exactly_symmetric(a) and a.shape == (144, 144)
    # 3·L ≤ A ≤ 12·L in the Loewner order (face transmissibilities lie in [a_low, a_high])
    lap = np.linalg.eigvalsh(darcy_operator(np.ones((12, 12))).toarray())
    w = np.linalg.eigvalsh(a.toarray())
    assert np.all(w >= 3.0 * lap * (1 - 1e-12)) and np.all(w <= 12.0 * lap * (1 + 1e-12))
    assert _same_bytes(load_matrix("darcy-12", seed=4), a)


@pytest.mark.parametrize("profile", SPECTRUM_PROFILES)
def test_synthetic_spectrum_exactly_reproduced(profile: str):
    lam = synthetic_spectrum(profile, 150, cond=1e6, seed=5)
    assert lam.shape == (150,) and np.all(np.diff(lam) >= 0)
    assert (lam[0], lam[-1]) == (1e-6, 1.0)
    for structure in ("random", "banded"):
        a = synthetic_symmetric(lam, seed=6, layers=3, structure=structure)
        assert _exactly_symmetric(a)
        w = np.linalg.eigvalsh(a.toarray())
        np.testing.assert_allclose(w, lam, rtol=0, atol=1e-13)
        assert w[-1] / w[0] == pytest.approx(1e6, rel=1e-8)
        rows = np.diff(a.indptr)
        if structure == "banded":
            coo = a.tocoo()
            assert np.abs(coo.row - coo.col).max() == 2 * 3 - 1
        assert rows.max() <= 4**3 and a.nnz < 0.25 * 150**2
    named = load_matrix(f"synthetic-{profile}-150", cond=1e6, seed=5)
    np.testing.assert_allclose(np.linalg.eigvalsh(named.toarray()), lam, rtol=0, atol=1e-13)


def test_synthetic_spectrum_profiles():
    n, cond = 200, 1e4
    np.testing.assert_allclose(np.diff(synthetic_spectrum("uniform", n, cond=cond)),
                               (1 - 1e-4) / (n - 1), rtol=1e-9)
    np.testing.assert_allclose(np.diff(np.log(synthetic_spectrum("geometric", n, cond=cond))),
                               np.log(cond) / (n - 1), rtol=1e-9)
    power = synthetic_spectrum("power-law", n, cond=cond)[::-1]  # λ_k = k^(−p)
    p = np.log(cond) / np.log(n)
    np.testing.assert_allclose(power * np.arange(1, n + 1) ** p, 1.0, rtol=1e-12)
    logs = np.log(synthetic_spectrum("clustered", n, cond=cond, seed=2))
    assert np.count_nonzero(np.diff(logs) > 0.1 * np.log(cond)) == 4  # 5 clusters
    outliers = synthetic_spectrum("outliers", n, cond=cond, seed=2)
    assert np.count_nonzero(outliers < 0.1) == n // 50
    assert np.all(outliers[n // 50:] >= 0.1)


@pytest.mark.parametrize("target", [1.0, 4.0, 18.0])
def test_least_squares_condition_coherence_and_solution(target: float):
    m, n = 400, 20
    problem = least_squares(m, n, cond=1e5, coherence=target, residual=0.3, seed=7)
    a, x, b = problem
    assert a.shape == (m, n) and x.shape == (n,) and b.shape == (m,)
    assert coherence(a) == pytest.approx(target, rel=1e-6)
    s = scipy.linalg.svdvals(a)
    np.testing.assert_allclose(s, np.geomspace(1.0, 1e-5, n), rtol=1e-8)
    r = b - a @ x
    assert np.linalg.norm(r) == pytest.approx(0.3 * np.linalg.norm(a @ x), rel=1e-12)
    assert np.linalg.norm(a.T @ r) <= 1e-12 * np.linalg.norm(b)  # x is the LS minimiser
    np.testing.assert_allclose(np.linalg.lstsq(a, b, rcond=None)[0], x, rtol=0, atol=1e-7)


def test_same_seed_same_bytes():
    assert _same_bytes(load_matrix("synthetic-outliers-64", seed=3),
                       load_matrix("synthetic-outliers-64", seed=3))
    assert not _same_bytes(load_matrix("synthetic-outliers-64", seed=3),
                           load_matrix("synthetic-outliers-64", seed=4))
    assert _same_bytes(darcy(10, seed=1), darcy(10, seed=1))
    assert not _same_bytes(darcy(10, seed=1), darcy(10, seed=2))
    p1, p2, p3 = (least_squares(60, 5, coherence=3.0, residual=0.1, seed=s) for s in (9, 9, 10))
    assert all(u.tobytes() == v.tobytes() for u, v in zip(p1, p2, strict=True))
    assert p1.A.tobytes() != p3.A.tobytes()


# ---------------------------------------------------------------- catalogue and files


def test_list_matrices():
    infos = list_matrices()
    names = [i.name for i in infos]
    assert len(names) == len(set(names))
    assert {i.source for i in infos} == {"suitesparse", "pyamg", "generator"}
    assert len(SUITESPARSE) == 20
    with pytest.raises(dataclasses.FrozenInstanceError):
        infos[0].n = 1  # type: ignore[misc]
    by_name = {i.name: i for i in infos}
    assert (by_name["poisson2d-32"].n, by_name["poisson2d-32"].nnz) == (1024, 5 * 32**2 - 4 * 32)
    assert (by_name["poisson3d-16"].n, by_name["poisson3d-16"].nnz) == (4096, 7 * 16**3 - 6 * 256)
    assert by_name["anisotropic2d-32"].nnz == (3 * 32 - 2) ** 2  # full 9-point stencil
    assert by_name["pyamg/elasticity-16x16"].n == 2 * 16 * 16
    geometric = by_name["synthetic-geometric-256"]
    w = np.linalg.eigvalsh(load_matrix(geometric.name).toarray())
    assert w[-1] / w[0] == pytest.approx(geometric.cond, rel=1e-8)
    assert all(i.source == "generator" for i in list_matrices("generator"))


def test_matrix_market_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    b = sp.random(20, 15, density=0.2, random_state=rng, format="csr")
    b.data[0] = 0.0  # an explicit zero survives
    path = tmp_path / "b.mtx"
    scipy.io.mmwrite(path, b)
    for name in (str(path), path):
        loaded = load_matrix(name)
        assert type(loaded) is sp.csr_matrix and loaded.has_sorted_indices
        assert loaded.nnz == b.nnz and abs(loaded - b).max() == 0
    gz = tmp_path / "b.mtx.gz"
    with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert abs(load_matrix(str(gz)) - b).max() == 0
    info = matrix_info(str(path))
    assert info["shape"] == [20, 15] and info["symmetric"] is False and info["spd"] is False


# ---------------------------------------------------------------- errors


def test_unknown_names_suggest_close_matches():
    with pytest.raises(ValueError, match=r"unknown matrix name 'bcstk15'.*'bcsstk15'"):
        load_matrix("bcstk15")
    with pytest.raises(ValueError, match=r"pyamg/airfoil.*poisson2d-<N>"):
        load_matrix("pyamg/airfoils")
    with pytest.raises(ValueError, match="synthetic-<profile>-<N>"):
        load_matrix("synthetic-foo-10")
    with pytest.raises(TypeError, match="name"):
        load_matrix(123)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="missing.mtx"):
        load_matrix("missing.mtx")


def test_bad_sizes_and_parameters_are_named(tmp_path):
    cases = [
        (lambda: load_matrix("poisson2d-0"), "poisson2d-0"),
        (lambda: load_matrix("pyamg/poisson-4x0"), "pyamg/poisson-4x0"),
        (lambda: load_matrix("poisson2d-4", eps=1.0), "eps"),
        (lambda: load_matrix("nos4", seed=1), "no parameters"),
        (lambda: load_matrix("anisotropic2d-4", epsilon=-1.0), "epsilon"),
        (lambda: load_matrix("anisotropic2d-4", discretization="FV"), "discretization"),
        (lambda: load_matrix("pyamg/diffusion-4x4", type="XX"), "type"),
        (lambda: load_matrix("pyamg/elasticity-4x4", nu=0.6), "nu"),
        (lambda: load_matrix("pyamg/elasticity-4x3"), "elasticity-3x4"),
        (lambda: load_matrix("synthetic-uniform-10", cond=0.5), "cond"),
        (lambda: load_matrix("synthetic-uniform-10", layers=0), "layers"),
        (lambda: load_matrix("synthetic-uniform-10", structure="dense"), "structure"),
        (lambda: load_matrix("darcy-8", seed=-1), "seed"),
        (lambda: synthetic_spectrum("cauchy", 10), "profile"),
        (lambda: synthetic_spectrum("uniform", 1), "n"),
        (lambda: synthetic_symmetric(np.array([1.0, np.nan])), "eigenvalues"),
        (lambda: poisson2d(-3), "n"),
        (lambda: least_squares(10, 20), "m must be >= n"),
        (lambda: least_squares(100, 5, coherence=20.0), "coherence"),
        (lambda: least_squares(100, 5, coherence=0.5), "coherence"),
        (lambda: least_squares(100, 5, residual=-1.0), "residual"),
        (lambda: list_matrices("netlib"), "source"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(TypeError, match="seed"):
        darcy(8, seed="a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="n must be an integer"):
        poisson2d(4.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cond"):
        least_squares(10, 2, cond="big")  # type: ignore[arg-type]
    complex_file = tmp_path / "c.mtx"
    scipy.io.mmwrite(complex_file, sp.csr_matrix(np.array([[1j, 0], [0, 1]])))
    with pytest.raises(ValueError, match="complex"):
        load_matrix(str(complex_file))
