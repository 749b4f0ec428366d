import pytest
import torch

from sciml.operators.normalization import Normalized, channel_stats


def test_identity_operator_round_trips_and_sees_standardised_inputs():
    g = torch.Generator().manual_seed(0)
    x = 3.0 + 2.0 * torch.randn(8, 2, 6, 6, generator=g)
    seen = {}

    class Spy(torch.nn.Module):
        def forward(self, z):
            seen["z"] = z
            return z

    model = Normalized(Spy(), 2, 2).fit(x, x)
    torch.testing.assert_close(model(x), x)
    mean, std = channel_stats(seen["z"])
    torch.testing.assert_close(mean, torch.zeros(2), atol=1e-6, rtol=0)
    torch.testing.assert_close(std, torch.ones(2), atol=1e-6, rtol=0)


def test_statistics_travel_in_the_state_dict():
    x = torch.randn(4, 1, 5, 5) * 7 + 1
    model = Normalized(torch.nn.Identity(), 1, 1).fit(x, 2 * x)
    clone = Normalized(torch.nn.Identity(), 1, 1)
    clone.load_state_dict(model.state_dict())
    torch.testing.assert_close(clone(x), model(x))


def test_channel_mismatch_is_named():
    with pytest.raises(ValueError, match="x has 3 channels, the model expects 1"):
        Normalized(torch.nn.Identity(), 1, 1).fit(torch.randn(2, 3, 4, 4), torch.randn(2, 1, 4, 4))
