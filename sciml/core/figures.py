"""Figure saving: one resolution and one set of save options for every figure the library
writes (matplotlib, Agg backend), written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sciml.core.constants import FIGURE_DPI  # noqa: E402
from sciml.core.files import atomic_path  # noqa: E402

SAVE_OPTIONS = {"dpi": FIGURE_DPI, "bbox_inches": "tight", "facecolor": "white"}
"""Keyword arguments of ``Figure.savefig`` shared by every figure."""


def save_figure(fig: plt.Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) atomically, then close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is closed afterwards.
    path : str or os.PathLike
        Where to write it; parent folders are created.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> save_figure(fig, Path(tempfile.mkdtemp()) / "line.png").stat().st_size > 0
    True
    """
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, **SAVE_OPTIONS)
    finally:
        plt.close(fig)
    return Path(path)
