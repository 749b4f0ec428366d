"""Scientific machine learning and learned solvers."""

__version__ = "0.1.0"
