from dataclasses import replace

import pytest
import torch

from benchmarks.bench_irno import forward_flops, matched_width, targets
from sciml.operators.config import OperatorConfig
from sciml.training.run import build_model


def test_forward_flops_of_a_linear_layer_is_2mnk():
    layer = torch.nn.Linear(8, 4, bias=False)
    assert forward_flops(layer, torch.zeros(3, 8)) == 2 * 3 * 8 * 4


def test_matched_width_picks_the_width_nearest_the_budget_in_log():
    config = OperatorConfig(model="fno", in_channels=1, out_channels=1, n_modes=(4, 4))
    x = torch.zeros(1, 1, 8, 8)
    costs = {
        w: forward_flops(build_model(replace(config, hidden_channels=w)), x) for w in (8, 16, 24)
    }
    assert costs[8] < costs[16] < costs[24]
    assert matched_width(config, x, costs[16] * 1.05, widths=(8, 16, 24)) == 16


def test_irno_targets_on_a_hand_table():
    result = {
        "irno_rel_l2": [0.8, 0.5, 0.5, 0.5],  # K = 2: h_2 = 0.5
        "reduction": 0.5,
        "band_ratio": {"low": 0.5, "mid": 0.2, "high": 0.05},
        "controls": {"base_longer": {"rel_l2": 0.55}, "wide_single_pass": {"rel_l2": 0.58}},
    }
    found = targets(result)
    assert found["reduction_ge_0.45"] and found["band_ratio_high_le_0.10"]
    assert found["error_2k_le_k"] and found["beats_base_longer"]
    assert found["beats_wide_single_pass"]
    result["irno_rel_l2"][-1] = 0.61
    assert not targets(result)["error_2k_le_k"]
    result["controls"]["base_longer"]["rel_l2"] = 0.49
    assert not targets(result)["beats_base_longer"]
    assert targets(result)["reduction"] == pytest.approx(0.5)
