"""Low-rank approximation as a discovery problem family.

Programs over thin factors (:mod:`~linalg_discovery.lowrank.program`) run by an interpreter
with flop counts (:mod:`~linalg_discovery.lowrank.interpreter`) on matrices with known
spectra (:mod:`~linalg_discovery.lowrank.problems`), rewarded by the optimal rank-k error over
the program's (:mod:`~linalg_discovery.lowrank.reward`), grown through a curriculum from a
plain range finder to the randomized SVD with power iterations
(:mod:`~linalg_discovery.lowrank.curriculum`) by the shared searches through
:class:`~linalg_discovery.lowrank.task.LowRankTask`, also as the gymnasium environment
``linalg_discovery/LowRankDiscovery-v0`` (:mod:`~linalg_discovery.lowrank.env`). The
discovered program is :func:`linalg_discovery.solvers.randomized_svd`.
"""
