"""Helpers shared by the displays: the matplotlib import, axes and names."""

# License: BSD 3 clause

from sklearn.pipeline import Pipeline


def _import_pyplot(caller):
    """``matplotlib.pyplot``, or an ImportError naming the ``plot`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which is not installed. Install the "
            'plotting extra with: pip install -e ".[plot]" from the source tree '
            "(or pip install matplotlib)."
        ) from exc
    return plt


def _figure_and_axes(ax, plt, **subplots_kw):
    """The axes to draw on: ``ax``, or a new figure's single axes."""
    if ax is None:
        subplots_kw.setdefault("layout", "constrained")
        _, ax = plt.subplots(**subplots_kw)
    return ax.figure, ax


def _estimator_name(estimator):
    """Name shown in titles and legends: the class, or a pipeline's last step."""
    if isinstance(estimator, Pipeline):
        return type(estimator[-1]).__name__
    return type(estimator).__name__


def _final_estimator(estimator):
    """The estimator itself, or the last step of a pipeline."""
    return estimator[-1] if isinstance(estimator, Pipeline) else estimator
