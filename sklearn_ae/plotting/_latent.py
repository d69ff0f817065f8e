"""LatentSpaceDisplay: 2-D scatter of an estimator's codes."""

# License: BSD 3 clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sklearn_ae.plotting._utils import (
    _estimator_name,
    _figure_and_axes,
    _import_pyplot,
)

# Labels with at most this many distinct values get one colour each and a
# legend; more (or float labels) get a continuous colour map and a colour bar.
_MAX_CLASSES = 20


def _is_categorical(labels):
    if labels.dtype.kind in "OUSb":
        return True
    return labels.dtype.kind in "iu" and np.unique(labels).size <= _MAX_CLASSES


class LatentSpaceDisplay:
    """Scatter plot of two latent components, coloured by a label.

    Use :meth:`from_estimator` to build it from a fitted transformer (any
    estimator with ``transform``: an autoencoder, :class:`~sklearn.decomposition.PCA`,
    a pipeline); the constructor only stores the codes.

    Read more in :ref:`plotting`.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, 2)
        The two components to plot, one row per sample.
    labels : array-like of shape (n_samples,), default=None
        Colours: a few distinct integer or string labels get one colour each
        and a legend; float labels (or many integers) a colour map and a
        colour bar.
    axis_labels : tuple of str, default=None
        Names of the two components; None uses ``("component 0",
        "component 1")``.
    estimator_name : str, default=None
        Name used in the title.

    Attributes
    ----------
    scatters_ : list of matplotlib PathCollection
        One scatter per class for categorical labels, else a single one.
    colorbar_ : matplotlib Colorbar or None
        The colour bar, for continuous labels.
    ax_ : matplotlib Axes
        Axes with the scatter plot.
    figure_ : matplotlib Figure
        Figure containing the scatter plot.

    See Also
    --------
    LatentSpaceDisplay.from_estimator : Plot the codes of a fitted transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae.plotting import LatentSpaceDisplay
    >>> codes = np.random.RandomState(0).normal(size=(30, 2))
    >>> display = LatentSpaceDisplay(embedding=codes, labels=np.arange(30) % 3)
    >>> len(display.plot().scatters_)
    3
    """

    def __init__(
        self, *, embedding, labels=None, axis_labels=None, estimator_name=None
    ):
        self.embedding = np.asarray(embedding)
        if self.embedding.ndim != 2 or self.embedding.shape[1] != 2:
            raise ValueError(
                "embedding must have shape (n_samples, 2), but has shape "
                f"{self.embedding.shape}. Pick two components."
            )
        self.labels = None if labels is None else np.asarray(labels)
        if self.labels is not None and self.labels.shape != (len(self.embedding),):
            raise ValueError(
                f"labels has shape {self.labels.shape} but there are "
                f"{len(self.embedding)} points; pass one label per row."
            )
        self.axis_labels = (
            ("component 0", "component 1") if axis_labels is None else axis_labels
        )
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, cmap=None, s=8, alpha=0.8):
        """Draw the scatter plot.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure.
        name : str, default=None
            Title; None uses ``estimator_name``.
        cmap : str or matplotlib Colormap, default=None
            Colour map. None is "tab10" (or "tab20") for categorical labels
            and "viridis" for continuous ones.
        s : float, default=8
            Marker size.
        alpha : float, default=0.8
            Marker opacity.

        Returns
        -------
        display : LatentSpaceDisplay
            This display, with ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae.plotting import LatentSpaceDisplay
        >>> codes = np.random.RandomState(0).normal(size=(30, 2))
        >>> display = LatentSpaceDisplay(embedding=codes, labels=codes[:, 0])
        >>> display.plot(cmap="magma").colorbar_ is not None
        True
        """
        plt = _import_pyplot("LatentSpaceDisplay.plot")
        self.figure_, self.ax_ = _figure_and_axes(ax, plt)
        ax = self.ax_
        x, y = self.embedding[:, 0], self.embedding[:, 1]
        self.scatters_ = []
        self.colorbar_ = None
        if self.labels is None:
            self.scatters_.append(ax.scatter(x, y, s=s, alpha=alpha))
        elif _is_categorical(self.labels):
            classes = np.unique(self.labels)
            if cmap is None:
                cmap = "tab10" if classes.size <= 10 else "tab20"
            cmap = plt.get_cmap(cmap)
            for i, label in enumerate(classes):
                mask = self.labels == label
                if cmap.N <= _MAX_CLASSES:  # qualitative map: one entry per class
                    colour = cmap(i % cmap.N)
                else:
                    colour = cmap(i / max(1, classes.size - 1))
                self.scatters_.append(
                    ax.scatter(
                        x[mask],
                        y[mask],
                        s=s,
                        alpha=alpha,
                        color=colour,
                        label=str(label),
                    )
                )
            ax.legend(
                title="label",
                loc="center left",
                bbox_to_anchor=(1.01, 0.5),
                markerscale=2,
                frameon=False,
            )
        else:
            scatter = ax.scatter(
                x, y, c=self.labels, s=s, alpha=alpha, cmap=cmap or "viridis"
            )
            self.scatters_.append(scatter)
            self.colorbar_ = self.figure_.colorbar(scatter, ax=ax)
        ax.set_xlabel(self.axis_labels[0])
        ax.set_ylabel(self.axis_labels[1])
        title = name if name is not None else self.estimator_name
        if title is not None:
            ax.set_title(title)
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        components=(0, 1),
        ax=None,
        name=None,
        cmap=None,
        s=8,
        alpha=0.8,
    ):
        """Encode X with a fitted transformer and plot two of its components.

        Parameters
        ----------
        estimator : estimator instance
            Fitted estimator with ``transform`` returning at least two
            columns: an sklearn_ae estimator, PCA, a pipeline...
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to encode.
        y : array-like of shape (n_samples,), default=None
            Labels that colour the points (classes, or a continuous value).
        components : tuple of two int, default=(0, 1)
            Which columns of ``transform(X)`` to plot.
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure.
        name : str, default=None
            Title; None uses the estimator's class name.
        cmap : str or matplotlib Colormap, default=None
            Colour map, see :meth:`plot`.
        s : float, default=8
            Marker size.
        alpha : float, default=0.8
            Marker opacity.

        Returns
        -------
        display : LatentSpaceDisplay
            The display, drawn.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_ae import AutoencoderTransformer
        >>> from sklearn_ae.plotting import LatentSpaceDisplay
        >>> X, y = load_digits(return_X_y=True)
        >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0)
        >>> ae.fit(X / 16)  # doctest: +ELLIPSIS
        AutoencoderTransformer(...)
        >>> display = LatentSpaceDisplay.from_estimator(ae, X / 16, y)
        >>> display.ax_.get_xlabel(), len(display.scatters_)
        ('autoencodertransformer0', 10)
        """
        check_is_fitted(estimator)
        components = tuple(int(c) for c in components)
        if len(components) != 2:
            raise ValueError(
                f"components={components!r} must name two columns of transform(X)."
            )
        Z = np.asarray(estimator.transform(X))
        if Z.ndim != 2 or max(components) >= Z.shape[1] or min(components) < 0:
            width = Z.shape[1] if Z.ndim == 2 else 1
            raise ValueError(
                f"components={components!r} but transform(X) has {width} "
                "column(s). A latent-space plot needs n_components >= 2."
            )
        try:
            names = estimator.get_feature_names_out()
            axis_labels = (str(names[components[0]]), str(names[components[1]]))
        except (AttributeError, ValueError, TypeError, IndexError):
            axis_labels = tuple(f"component {c}" for c in components)
        display = cls(
            embedding=Z[:, list(components)],
            labels=y,
            axis_labels=axis_labels,
            estimator_name=_estimator_name(estimator),
        )
        return display.plot(ax=ax, name=name, cmap=cmap, s=s, alpha=alpha)
