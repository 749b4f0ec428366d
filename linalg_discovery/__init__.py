"""RL4RLA: discovery of randomized linear-algebra algorithms."""
