"""The AutoSpec benchmark's summary counts a fallback as the polynomial actually used and keeps
it out of the learned medians; reductions include the probe."""

from benchmarks.bench_autospec import methods_used, summarise


def _row(name: str, learned_used: str) -> dict:
    def result(iterations: int, setup: int, used: str | None = None) -> dict:
        out = {
            "iterations": iterations,
            "matvecs": iterations * 11 + setup,
            "inner_products": 3 * iterations + (61 if setup else 0),
            "converged": True,
            "seconds": 0.01,
        }
        return out | ({"method_used": used} if used else {})

    cg = {
        "jacobi": result(200, 0, "jacobi"),
        "learned": result(20, 20, learned_used),
        "chebyshev": result(22, 20, "chebyshev"),
        "chebyshev-30": result(25, 20, "chebyshev-30"),
        "gmres-poly": result(21, 31, "chebyshev"),
        "pyamg-sa": result(10, 0),
        "ilu": result(10, 0),
    }
    return {"name": name, "kind": "real-spd", "cg": cg}


def test_fallbacks_are_counted_as_the_method_used():
    rows = [_row("a", "learned"), _row("b", "chebyshev")]
    counts, fallbacks = methods_used(rows)
    assert counts["gmres-poly"] == {"chebyshev": 2}
    assert counts["learned"] == {"learned": 1, "chebyshev": 1}
    assert {(f["matrix"], f["requested"]) for f in fallbacks} == {
        ("a", "gmres-poly"),
        ("b", "gmres-poly"),
        ("b", "learned"),
    }
    summary = summarise(rows, [], [])
    assert [p["name"] for p in summary["per_matrix"]] == ["a"]
    assert summary["learned_fell_back_on"] == ["b"]
    # Jacobi-CG 600 reductions over learned 3·20 + 61 (probe included): 4.96, not 10.
    assert summary["median"]["reference_over_learned_reductions"] == 600 / 121


def test_heldout_target_is_not_met_with_a_failed_solve():
    from benchmarks.bench_autospec import HELDOUT_METHODS, summarise_heldout

    def row(matvecs: int, converged: bool) -> dict:
        out = {"name": "x"}
        for label, _ in HELDOUT_METHODS:
            out[label] = {"converged": converged, "method_used": "identity", "degree": 0}
            out[f"{label}_over_best_cg"] = matvecs / 100
            out[f"{label}_over_chebyshev"] = matvecs / 200
        return out

    ok = summarise_heldout([row(120, True), row(130, True)])["auto"]
    assert ok["le_1.5x_best_cg_met"] and ok["le_0.75x_chebyshev_met"]
    assert ok["median_matvecs_over_best_of_cg_and_jacobi_cg"] == 1.25
    failed = summarise_heldout([row(120, True), row(130, False)])["auto"]
    assert not failed["le_1.5x_best_cg_met"] and failed["converged"] == 1
    assert failed["method_used"] == {"identity-d0": 2}
