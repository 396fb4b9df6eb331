"""2-D projections (PCA, t-SNE, UMAP) and labelled scatter plots of vectors.

Example (``vectors`` is an :class:`everyvec.Vectors`)::

    from everyvec.viz import plot_vectors, project

    points = project(vectors.matrix[:1000], "pca")            # (1000, 2) float32
    plot_vectors(vectors, "map.png", top=300, highlight=["king", "queen"])

Plots need ``pip install 'everyvec[viz]'`` (matplotlib; scikit-learn for t-SNE); UMAP needs
``everyvec[umap]``. PCA alone needs only NumPy.
"""

from everyvec.viz.plot import DEFAULT_TOP, FIGSIZE, LABEL_LIMIT, plot_vectors
from everyvec.viz.projection import METHODS, available_methods, project

__all__ = [
    "DEFAULT_TOP",
    "FIGSIZE",
    "LABEL_LIMIT",
    "METHODS",
    "available_methods",
    "plot_vectors",
    "project",
]
