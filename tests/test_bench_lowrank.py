"""bench lowrank: settings are chosen on validation matrices as documented."""

import numpy as np

from benchmarks import bench_lowrank as bench


def test_choice_is_the_cheapest_setting_within_the_limit_and_svds_matches_it():
    validation = {d: bench._matrix(d, 5, 300, 120) for d in bench.PROFILES}
    choice = bench._choose(validation)
    tried = choice["rsvd_tried"]
    assert max(tried[-1]["ratios"].values()) <= bench.VALIDATION_LIMIT
    assert all(max(t["ratios"].values()) > bench.VALIDATION_LIMIT for t in tried[:-1])
    cost = [(2 * t["power_iterations"] + 2) * (bench.RANK + t["oversampling"]) for t in tried]
    assert cost == sorted(cost)
    for solver, setting in choice["svds"].items():
        a, opt = validation["polynomial"]
        ratio = bench._error_ratio(a, opt, bench._svds(a, solver, setting["tol"]))
        assert ratio <= tried[-1]["ratios"]["polynomial"] and np.isclose(
            ratio, setting["ratios"]["polynomial"]
        )
