"""
Train an FNO and plot its error against resolution
==================================================

A Fourier neural operator trained at one resolution degrades at the others; trained on a mix
of resolutions (each sample used at exactly one of them, drawn in the given ratios, batches of
one resolution shuffled together), its error stays flat across them. This trains, at a tiny
size, one model at 8², one at 32² and one on the uniform mix, with
:func:`sciml.training.run.train_run` (what ``sciml train`` runs), and plots test MSE against
test resolution. ``sciml bench multires`` is the real comparison (see the results pages).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from sciml.data.pde.store import generate_dataset
from sciml.training.run import RunSpec, default_operator_config, open_run_data, train_run
from sciml.training.trainer import TrainConfig

torch.set_num_threads(1)
workdir = tempfile.TemporaryDirectory()  # removed when the script ends
root = Path(workdir.name)
data = root / "darcy32.h5"
generate_dataset("darcy", data, n=120, resolution=32, seed=0, progress=False)

# %%
# Three runs on the same file and split: 8² only, 32² only, and the uniform mix.
runs = {"single-8": (8,), "single-32": (32,), "mix-uniform": (8, 16, 32)}
train = TrainConfig(epochs=10, lr=5e-3, step_size=4, eval_every=10, seed=0)
curves = {}
for name, resolutions in runs.items():
    mix = (1.0 / len(resolutions),) * len(resolutions)
    spec = RunSpec(data=str(data), resolutions=resolutions, mix=mix, batch_size=8)
    model = default_operator_config(open_run_data(spec), (32,), modes=8, hidden_channels=12)
    summary = train_run(
        spec,
        root / name,
        model_config=model,
        train_config=train,
        eval_resolutions=(8, 16, 32),
        progress=False,
    )
    curves[name] = {int(r): m["mse"] for r, m in summary["eval"].items()}
    mse = list(curves[name].values())
    print(f"{name:12s} swing (max/min test MSE) = {max(mse) / min(mse):.2f}")

# %%
# Test MSE at every resolution: the single-resolution models are best at their own grid.
fig, ax = plt.subplots(figsize=(5, 3.5))
for name, errors in curves.items():
    ax.plot(list(errors), list(errors.values()), "o-", label=name)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xticks([8, 16, 32], ["8²", "16²", "32²"])
ax.set_xlabel("test resolution")
ax.set_ylabel("test MSE")
ax.legend()
fig.tight_layout()
plt.show()
