"""numba kernels: plain ``@njit`` functions over arrays — no classes, no I/O.

Each kernel has a slow NumPy/Python twin that the tests compare it with on small inputs.
"""
