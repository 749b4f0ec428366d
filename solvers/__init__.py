"""AutoSpec: learned spectral polynomials as SciPy preconditioners, matrix functions and filters."""
