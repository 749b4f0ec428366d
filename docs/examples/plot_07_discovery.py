"""
Discover an algorithm by search: the program it finds
=====================================================

RL4RLA represents an iterative least-squares method as a program of typed three-address
instructions (setup, then per-iteration forward and update sections), run by a NumPy
interpreter that counts flops. A curriculum stage starts from a known program and asks for a
few inserted instructions; the reward scores the resulting solver's accuracy and cost. Monte
Carlo Graph Search (MCGS) merges equivalent partial programs (same canonical form) into one
node; plain MCTS and random search are the baselines. This runs MCGS and MCTS on the stage
that discovers the preconditioner R⁻¹R⁻ᵀ = (AᵀA)⁻¹ from QR(A), plots the best reward against
simulations and prints the program found, exported as NumPy source. ``sciml discover`` runs
whole curriculum paths (see the user guide).
"""

import matplotlib.pyplot as plt

from linalg_discovery.curriculum import stages
from linalg_discovery.export import to_source
from linalg_discovery.search import SearchConfig, search_stage
from linalg_discovery.task import Task

stage = stages()["midcond-preconditioner"]
print(stage.description)

results = {}
for search in ("mcgs", "mcts"):
    results[search] = search_stage(Task(stage, 42), SearchConfig(search=search), 42)
    r = results[search]
    print(
        f"{search.upper()}: found={r.found} reward={r.reward:.3f} simulations={r.simulations} "
        f"unique programs run={r.evaluations} merged nodes={r.merged_nodes}"
    )

# %%
# The program MCGS found, in the instruction language ...
print(results["mcgs"].program)

# %%
# ... and exported as a NumPy function.
print(to_source(results["mcgs"].program, stage.settings))

# %%
# Best reward seen against simulations: MCTS revisits equivalent programs that MCGS merges.
fig, ax = plt.subplots(figsize=(6, 3.5))
for search, r in results.items():
    sims, rewards = zip(*r.history, strict=True)
    ax.step(sims, rewards, where="post", label=search.upper())
ax.set_xscale("log")
ax.set_xlabel("simulations")
ax.set_ylabel("best reward")
ax.legend()
fig.tight_layout()
plt.show()
