"""OutlierScoreDisplay: histogram of outlier scores, threshold and ROC curve."""

# License: BSD 3 clause

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import auc, roc_curve
from sklearn.utils import column_or_1d
from sklearn.utils.validation import check_is_fitted

from sklearn_ae.plotting._utils import _estimator_name, _import_pyplot

_KINDS = ("hist", "roc", "both")


class OutlierScoreDisplay:
    """Histogram of outlier scores with the threshold, and the ROC curve.

    Written against :class:`~sklearn.ensemble.IsolationForest`'s contract:
    ``score_samples`` is higher for more normal rows, and rows scoring below
    ``offset_`` are flagged as outliers (``predict`` gives -1). Any estimator
    with ``score_samples`` works (an autoencoder's score is minus its
    reconstruction error); ``offset_`` is drawn when the estimator has it.

    Use :meth:`from_estimator` to build it from a fitted estimator; the
    constructor only stores the scores.

    Read more in :ref:`plotting`.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        ``score_samples`` of each row: lower is more abnormal.
    offset : float, default=None
        Threshold on the scores (the estimator's ``offset_``): rows below it
        are flagged as outliers.
    y_true : array-like of shape (n_samples,), default=None
        True labels, where ``pos_label`` marks an outlier. With them the
        histogram is split into inliers and outliers and the ROC curve can be
        drawn.
    pos_label : int, float, bool or str, default=1
        Label of outliers in ``y_true`` (1 in ADBench's labels; use -1 for
        labels shaped like ``IsolationForest.predict``'s output).
    estimator_name : str, default=None
        Name used in titles and the ROC legend.

    Attributes
    ----------
    roc_auc_ : float or None
        Area under the ROC curve, with ``y_true``, once plotted.
    threshold_line_ : matplotlib Line2D or None
        The threshold on the histogram, when ``offset`` is known.
    roc_line_ : matplotlib Line2D or None
        The ROC curve, when drawn.
    ax_hist_ : matplotlib Axes or None
        Axes with the histogram, when drawn.
    ax_roc_ : matplotlib Axes or None
        Axes with the ROC curve, when drawn.
    ax_ : matplotlib Axes
        The first axes drawn on (the histogram's, unless ``kind="roc"``).
    figure_ : matplotlib Figure
        Figure containing the plot.

    See Also
    --------
    OutlierScoreDisplay.from_estimator : Plot the scores of a fitted estimator.
    sklearn.metrics.RocCurveDisplay : ROC curves of classifiers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae.plotting import OutlierScoreDisplay
    >>> scores = np.array([-0.1, -0.2, -0.15, -2.0, -0.12, -1.5])
    >>> y = np.array([0, 0, 0, 1, 0, 1])
    >>> display = OutlierScoreDisplay(scores=scores, offset=-1.0, y_true=y).plot()
    >>> display.roc_auc_
    1.0
    """

    def __init__(
        self, *, scores, offset=None, y_true=None, pos_label=1, estimator_name=None
    ):
        self.scores = column_or_1d(scores, dtype=float)
        self.offset = None if offset is None else float(offset)
        self.y_true = None if y_true is None else column_or_1d(y_true)
        if self.y_true is not None and self.y_true.shape != self.scores.shape:
            raise ValueError(
                f"y_true has {self.y_true.size} labels but there are "
                f"{self.scores.size} scores; pass one label per row."
            )
        self.pos_label = pos_label
        self.estimator_name = estimator_name
        self.roc_auc_ = None

    def _is_outlier(self):
        is_outlier = self.y_true == self.pos_label
        if is_outlier.all() or not is_outlier.any():
            labels = np.unique(self.y_true).tolist()
            raise ValueError(
                f"y_true must hold both outliers (pos_label={self.pos_label!r}) "
                f"and inliers, but its labels are {labels}. Set pos_label to the "
                "label of outliers."
            )
        return is_outlier

    def plot(self, ax=None, *, kind=None, bins=40, name=None):
        """Draw the histogram and/or the ROC curve.

        Parameters
        ----------
        ax : matplotlib Axes or sequence of two Axes, default=None
            Where to draw: one Axes for ``kind="hist"`` or ``"roc"``, two
            (histogram, ROC) for ``kind="both"``. None creates a new figure.
        kind : {"hist", "roc", "both"}, default=None
            What to draw. None is "both" when ``y_true`` is known, else
            "hist".
        bins : int, default=40
            Number of histogram bins.
        name : str, default=None
            Name in the title and the ROC legend; None uses
            ``estimator_name``.

        Returns
        -------
        display : OutlierScoreDisplay
            This display, with ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae.plotting import OutlierScoreDisplay
        >>> scores = -np.abs(np.random.RandomState(0).normal(size=100))
        >>> display = OutlierScoreDisplay(scores=scores, offset=-1.5).plot()
        >>> display.ax_roc_ is None, display.threshold_line_.get_xdata()[0]
        (True, -1.5)
        """
        plt = _import_pyplot("OutlierScoreDisplay.plot")
        if kind is None:
            kind = "hist" if self.y_true is None else "both"
        if kind not in _KINDS:
            raise ValueError(f"kind={kind!r} must be one of {_KINDS}.")
        if kind != "hist" and self.y_true is None:
            raise ValueError(
                f"kind={kind!r} draws a ROC curve, which needs the true labels: "
                "pass y to from_estimator (or y_true to the display)."
            )
        n_axes = 2 if kind == "both" else 1
        if ax is None:
            figsize = (10, 4) if n_axes == 2 else None
            _, axes = plt.subplots(
                1, n_axes, figsize=figsize, squeeze=False, layout="constrained"
            )
            axes = list(axes.ravel())
        elif isinstance(ax, (Sequence, np.ndarray)):
            axes = list(np.ravel(ax))
        else:
            axes = [ax]
        if len(axes) != n_axes:
            raise ValueError(
                f"kind={kind!r} draws on {n_axes} Axes, but ax holds {len(axes)}."
            )
        name = name if name is not None else self.estimator_name
        self.ax_hist_ = self.ax_roc_ = None
        self.threshold_line_ = self.roc_line_ = None
        if kind in ("hist", "both"):
            self.ax_hist_ = axes[0]
            self._plot_hist(self.ax_hist_, bins, name)
        if kind in ("roc", "both"):
            self.ax_roc_ = axes[-1]
            self._plot_roc(self.ax_roc_, name)
        self.ax_ = axes[0]
        self.figure_ = self.ax_.figure
        return self

    def _plot_hist(self, ax, bins, name):
        edges = np.histogram_bin_edges(self.scores, bins=bins)
        if self.y_true is None:
            ax.hist(self.scores, bins=edges, color="C0", alpha=0.8, label="rows")
            ax.set_ylabel("rows")
        else:
            is_outlier = self._is_outlier()
            for mask, label, color in (
                (~is_outlier, "inliers", "C0"),
                (is_outlier, "outliers", "C3"),
            ):
                ax.hist(
                    self.scores[mask],
                    bins=edges,
                    density=True,
                    color=color,
                    alpha=0.6,
                    label=f"{label} ({mask.sum()})",
                )
            ax.set_ylabel("density")
        if self.offset is not None:
            flagged = np.mean(self.scores < self.offset)
            self.threshold_line_ = ax.axvline(
                self.offset,
                color="k",
                linestyle="--",
                label=f"offset_ = {self.offset:.3g} (flags {flagged:.1%})",
            )
        ax.set_xlabel("score_samples (lower = more abnormal)")
        # Headroom above the bars for the legend.
        ax.set_ylim(0, ax.get_ylim()[1] * 1.5)
        ax.set_title("Outlier scores" if name is None else f"{name}: outlier scores")
        ax.legend()

    def _plot_roc(self, ax, name):
        is_outlier = self._is_outlier()
        # Outliers are the positive class; score_samples is higher for inliers.
        fpr, tpr, _ = roc_curve(is_outlier, -self.scores)
        self.roc_auc_ = float(auc(fpr, tpr))
        label = f"AUC = {self.roc_auc_:.3f}"
        if name is not None:
            label = f"{name} ({label})"
        (self.roc_line_,) = ax.plot(fpr, tpr, label=label)
        ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", label="chance")
        if self.offset is not None:
            flagged = self.scores < self.offset
            ax.plot(
                flagged[~is_outlier].mean(),
                flagged[is_outlier].mean(),
                marker="o",
                color="k",
                linestyle="none",
                label="at offset_",
            )
        ax.set_xlabel("false positive rate (inliers flagged)")
        ax.set_ylabel("true positive rate (outliers flagged)")
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_aspect("equal")
        ax.set_title("ROC curve")
        ax.legend(loc="lower right")

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        pos_label=1,
        kind=None,
        bins=40,
        ax=None,
        name=None,
    ):
        """Score X with a fitted estimator and plot the scores.

        Calls ``estimator.score_samples(X)`` and reads ``offset_`` when the
        estimator has it, as :class:`~sklearn.ensemble.IsolationForest` and
        sklearn_ae's outlier detector do.

        Parameters
        ----------
        estimator : estimator instance
            Fitted estimator with ``score_samples`` (higher = more normal).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,), default=None
            True labels, where ``pos_label`` marks an outlier. Enables the
            split histogram and the ROC curve.
        pos_label : int, float, bool or str, default=1
            Label of outliers in ``y``.
        kind : {"hist", "roc", "both"}, default=None
            What to draw. None is "both" with ``y``, else "hist".
        bins : int, default=40
            Number of histogram bins.
        ax : matplotlib Axes or sequence of two Axes, default=None
            Where to draw (two Axes for ``kind="both"``). None creates a new
            figure.
        name : str, default=None
            Name in the title and the ROC legend; None uses the estimator's
            class name.

        Returns
        -------
        display : OutlierScoreDisplay
            The display, drawn.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.ensemble import IsolationForest
        >>> from sklearn_ae.plotting import OutlierScoreDisplay
        >>> rng = np.random.RandomState(0)
        >>> X = np.vstack([rng.normal(size=(200, 2)), rng.uniform(-6, 6, (10, 2))])
        >>> y = np.r_[np.zeros(200), np.ones(10)]
        >>> forest = IsolationForest(random_state=0).fit(X)
        >>> display = OutlierScoreDisplay.from_estimator(forest, X, y)
        >>> display.ax_hist_.get_xlabel()
        'score_samples (lower = more abnormal)'
        >>> display.roc_auc_ > 0.9
        True
        """
        check_is_fitted(estimator)
        if not hasattr(estimator, "score_samples"):
            raise TypeError(
                f"{type(estimator).__name__} has no score_samples: "
                "OutlierScoreDisplay plots the scores of outlier detectors such "
                "as IsolationForest, or of sklearn_ae's estimators."
            )
        display = cls(
            scores=estimator.score_samples(X),
            offset=getattr(estimator, "offset_", None),
            y_true=y,
            pos_label=pos_label,
            estimator_name=_estimator_name(estimator),
        )
        return display.plot(ax=ax, kind=kind, bins=bins, name=name)
