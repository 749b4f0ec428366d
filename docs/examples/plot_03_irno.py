"""
Refine a frozen operator by a learned fixed-point iteration (IRNO)
==================================================================

A trained base operator T_base is frozen and refined by
h_{k+1} = (1 − α)·h_k + α·G([x, h_0], h_k), h_0 = T_base(x), with one set of weights for all
steps. The contractive refiner bounds ‖∂T/∂h‖ by 1 − α(1 − L) on any grid, so the iteration has
one fixed point and cannot drift past the K steps it was trained on. This trains a deliberately
weak base (4 Fourier modes) on next-step prediction of Kolmogorov flow, refines it with
:func:`sciml.training.refinement.refine_run` (what ``sciml refine`` runs) and plots the test
error per step and per frequency band with :func:`sciml.training.refinement.evaluate_refined`.
Demo-sized; ``sciml bench irno`` is the real comparison (see the results pages).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from sciml.data.pde.store import generate_dataset
from sciml.operators.refiner import RefinerConfig
from sciml.training.refinement import RefineSpec, evaluate_refined, refine_run
from sciml.training.run import RunSpec, default_operator_config, open_run_data, train_run
from sciml.training.trainer import TrainConfig

torch.set_num_threads(1)
workdir = tempfile.TemporaryDirectory()  # removed when the script ends
root = Path(workdir.name)
data = root / "kolmogorov.h5"
params = {"nu": 0.01, "frame_dt": 0.25, "n_times": 12}
generate_dataset("kolmogorov", data, n=6, resolution=32, seed=0, params=params, progress=False)

# %%
# The base: an FNO with 4 of the 16 modes the grid allows, trajectories split into
# train / validation / test.
spec = RunSpec(data=str(data), resolutions=(32,), batch_size=8, test_fraction=0.2,
               val_fraction=0.2)  # fmt: skip
model = default_operator_config(open_run_data(spec), (32,), modes=4, hidden_channels=12)
train_run(
    spec,
    root / "base",
    model_config=model,
    train_config=TrainConfig(epochs=12, lr=3e-3, step_size=6, seed=0),
    progress=False,
)

# %%
# The contractive refiner (α = 0.6, L = 0.5: contraction factor at most 0.7 per step),
# trained over K = 3 unrolled steps, then run to 2K.
refiner = RefinerConfig(kind="contractive", alpha=0.6, lipschitz=0.5, width=8, depth=2,
                        output_gain=0.01)  # fmt: skip
refine = RefineSpec(base_run=str(root / "base"), steps=3, extra_steps=3, refiner=refiner,
                    batch_size=8)  # fmt: skip
refine_train = TrainConfig(epochs=10, lr=3e-3, schedule="cosine", min_lr=1e-4, grad_clip=1.0,
                           seed=0)  # fmt: skip
refine_run(refine, root / "irno", refine_train, progress=False)
report = evaluate_refined(root / "irno")
for k, row in enumerate(report["per_step"]):
    print(f"step {k}: rel. L2 {row['rel_l2']:.4f}")
print("measured contraction factor q per step:", [round(q, 3) for q in report["q"]])

# %%
# Error per step (step 0 is the base) and per frequency band, as a ratio to the base's
# (low: frequencies below ⅓ of Nyquist, mid: below ⅔, high: the rest).
steps = range(len(report["per_step"]))
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(steps, [row["rel_l2"] for row in report["per_step"]], "o-")
left.axvline(3, color="grey", linestyle=":", label="K (trained)")
left.set_xlabel("refinement step k")
left.set_ylabel("test relative L2")
left.legend()
for band in ("low", "mid", "high"):
    right.plot(steps, [row["band_ratio"][band] for row in report["per_step"]], "o-", label=band)
right.axhline(1.0, color="grey", linestyle=":")
right.set_xlabel("refinement step k")
right.set_ylabel("band error / base's")
right.legend(title="band")
fig.tight_layout()
plt.show()
