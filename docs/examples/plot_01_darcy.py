"""
Generate Darcy flow and view it at a coarser resolution
=======================================================

:func:`sciml.data.pde.store.generate_dataset` solves −∇·(a∇u) = 1 on [0, 1]² for random
two-phase coefficients a (a thresholded Gaussian random field, a ∈ {12, 3}) with pyamg
smoothed aggregation + CG, and writes the pairs (a, u) with their metadata into an HDF5
file. :func:`sciml.data.pde.store.open_dataset` reads it back as a PyTorch dataset that can be
viewed at any coarser grid: strided (as the standard benchmarks coarsen) or spectrally
truncated (anti-aliased).
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from sciml.data.pde.store import dataset_info, generate_dataset, open_dataset

workdir = tempfile.TemporaryDirectory()  # removed when the script ends
path = Path(workdir.name) / "darcy.h5"
result = generate_dataset("darcy", path, n=4, resolution=64, seed=0, progress=False)
print(result)

# %%
# The file records how it was made (equation, parameters, grid, seed, generator version).
info = dataset_info(path)
print({key: info[key] for key in sorted(info) if key not in ("fields",)})

# %%
# Samples are ``(input, target)`` pairs of tensors, channels first. A view at 16² strides
# the 64² grid; the spectral view truncates its Fourier series instead.
ds = open_dataset(path)
a, u = ds[0]
u16_stride = ds.at_resolution(16)[0][1]
u16_spectral = ds.at_resolution(16, "spectral")[0][1]
print(a.shape, u.shape, u16_stride.shape)

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
panels = [
    ("coefficient a, 64²", a[0]),
    ("solution u, 64²", u[0]),
    ("u, 16² strided", u16_stride[0]),
    ("u, 16² spectral", u16_spectral[0]),
]
for ax, (title, field) in zip(axes, panels, strict=True):
    image = ax.imshow(field.numpy(), origin="lower", cmap="viridis")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.tight_layout()
plt.show()
