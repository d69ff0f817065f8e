"""Plots of fitted estimators, following scikit-learn's ``*Display`` pattern.

Each display has a ``from_estimator`` classmethod that computes what it needs
from a fitted estimator (public fitted attributes and public methods only) and
draws it, and a ``plot(ax=None, ...)`` method that draws stored values again.
Both return the display, whose ``ax_`` and ``figure_`` hold the matplotlib
objects. matplotlib is needed only to draw: ``pip install -e ".[plot]"`` from the
source tree (or ``pip install matplotlib``).
"""

# License: BSD 3 clause

from sklearn_ae.plotting._latent import LatentSpaceDisplay
from sklearn_ae.plotting._loss_curve import LossCurveDisplay
from sklearn_ae.plotting._outlier_scores import OutlierScoreDisplay
from sklearn_ae.plotting._reconstruction import ReconstructionDisplay

__all__ = [
    "LatentSpaceDisplay",
    "LossCurveDisplay",
    "OutlierScoreDisplay",
    "ReconstructionDisplay",
]
