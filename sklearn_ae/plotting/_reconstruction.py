"""ReconstructionDisplay: inputs beside the estimator's outputs."""

# License: BSD 3 clause

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier, is_outlier_detector
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from sklearn_ae.plotting._utils import (
    _estimator_name,
    _figure_and_axes,
    _final_estimator,
    _import_pyplot,
)

_METHODS = ("auto", "predict", "inverse_transform")


def _dense(A):
    """A dense float ndarray from an array, a DataFrame or a sparse matrix."""
    if A is None:
        return None
    if sp.issparse(A):
        A = A.toarray()
    return np.asarray(A, dtype=float)


def _parse_image_shape(image_shape):
    """(height, width, order) from (H, W), (C, H, W) or (H, W, C)."""
    shape = tuple(int(d) for d in image_shape)
    if len(shape) == 2:
        return shape[0], shape[1], "chw"
    if len(shape) == 3 and shape[0] in (1, 3):
        return shape[1], shape[2], "chw"
    if len(shape) == 3 and shape[2] in (1, 3):
        return shape[0], shape[1], "hwc"
    raise ValueError(
        f"image_shape={image_shape!r} must be (H, W) for gray images, or "
        "(C, H, W) / (H, W, C) with C = 1 or 3 channels."
    )


def _to_images(A, image_shape, name):
    """Images of shape (n, H, W) (gray) or (n, H, W, 3) (colour) from A.

    Flat rows are reshaped with ``image_shape``; their channel count is read
    from their width, so gray inputs and colour outputs share one shape.
    Arrays that already hold images are taken as (n, H, W) or (n, H, W, C).
    """
    if A.ndim == 4:
        images = A
    elif A.ndim == 3:
        return A
    else:
        height, width, order = image_shape
        channels, rest = divmod(A.shape[1], height * width)
        if rest or channels not in (1, 3):
            raise ValueError(
                f"{name} has rows of {A.shape[1]} values, which are not images "
                f"of {height} x {width} pixels with 1 or 3 channels. Pass the "
                "image_shape of one row, e.g. (1, 28, 28) or (32, 32, 3)."
            )
        if order == "chw":
            images = A.reshape(-1, channels, height, width).transpose(0, 2, 3, 1)
        else:
            images = A.reshape(-1, height, width, channels)
    if images.shape[-1] == 1:
        return images[..., 0]
    if images.shape[-1] != 3:
        raise ValueError(
            f"{name} holds images with {images.shape[-1]} channels; only gray "
            "(1 channel) and RGB (3 channels) images can be drawn."
        )
    return images


def _display_range(arrays):
    """Value range mapped to black..white: [0, 1], [0, 255] or the data's."""
    finite = np.concatenate([a[np.isfinite(a)].ravel() for a in arrays])
    if finite.size == 0:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if low >= 0 and high <= 1:
        return 0.0, 1.0
    if low >= 0 and high <= 255:
        return 0.0, 255.0
    return low, high if high > low else low + 1.0


def _errors(reference, outputs):
    """Mean squared error of each sample, or None when the shapes differ."""
    if reference.shape != outputs.shape:
        return None
    return np.mean((reference - outputs).reshape(len(reference), -1) ** 2, axis=1)


class ReconstructionDisplay:
    """Inputs beside an estimator's reconstructions (or restorations).

    Images (with ``image_shape``, or when ``X`` holds images) are drawn as a
    grid: one column per sample, one row each for the inputs, the outputs
    and, when given, the targets. Windows of time series (with
    ``sequence_shape``) are drawn as lines over time, the outputs dashed.
    Tabular rows are drawn as bars: one group per feature, one coloured bar
    per sample, with the output as a black line across each bar.

    Use :meth:`from_estimator` to build it from a fitted estimator; the
    constructor only stores the arrays.

    Read more in :ref:`plotting`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), (n_samples, H, W) or \
(n_samples, H, W, C)
        The inputs.
    X_reconstructed : ndarray of shape (n_samples, n_outputs) or images
        The estimator's outputs for ``X``.
    y : ndarray of shape (n_samples, n_outputs) or images, default=None
        Targets (e.g. the clean images when ``X`` is noisy), drawn as a third
        row of images; for tabular rows the bars then show ``y`` instead of
        ``X``.
    image_shape : tuple of int, default=None
        Shape of one image: (H, W) for gray images, (C, H, W) for rows
        flattened in channels-first order (the estimators' ``input_shape``)
        or (H, W, C) for rows flattened from channels-last numpy images. The
        channel count of each array is read from its width, so gray inputs
        and colour outputs (colorization) share one ``image_shape``. None
        draws tabular rows, unless ``X`` already holds images.
    sequence_shape : tuple of int, default=None
        (window, n_channels) of one row that holds a window of a time series,
        steps in time order (the layout of :func:`~sklearn_ae.sliding_windows`
        and of ``network="recurrent"``): the rows are drawn as lines over the
        window's steps. The outputs' channel count is read from their width.
    feature_names : array-like of str, default=None
        Names of the features, for the tabular bars.
    sample_labels : array-like of str, default=None
        Name of each sample (e.g. its row number in the data set).
    estimator_name : str, default=None
        Name used in the title.

    Attributes
    ----------
    errors_ : ndarray of shape (n_samples,) or None
        Mean squared error of each output against its input (or target),
        set by :meth:`plot`; None when their shapes differ (e.g. gray inputs
        and colour outputs without a target).
    image_ : matplotlib AxesImage or None
        The image grid, for images.
    bars_ : list of matplotlib BarContainer
        One bar container per sample, for tabular rows.
    lines_ : list of matplotlib Line2D
        The inputs' (or targets') lines, for sequences.
    ax_ : matplotlib Axes
        Axes with the plot.
    figure_ : matplotlib Figure
        Figure containing the plot.

    See Also
    --------
    ReconstructionDisplay.from_estimator : Plot a fitted estimator's outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae.plotting import ReconstructionDisplay
    >>> X = np.random.RandomState(0).uniform(size=(4, 64))
    >>> display = ReconstructionDisplay(
    ...     X=X, X_reconstructed=X * 0.9, image_shape=(8, 8)
    ... ).plot()
    >>> display.image_.get_array().shape  # 2 rows x 4 columns of 8x8 images
    (17, 35)
    >>> [t.get_text() for t in display.ax_.get_yticklabels()]
    ['original', 'reconstruction']
    """

    def __init__(
        self,
        *,
        X,
        X_reconstructed,
        y=None,
        image_shape=None,
        sequence_shape=None,
        feature_names=None,
        sample_labels=None,
        estimator_name=None,
    ):
        self.X = _dense(X)
        self.X_reconstructed = _dense(X_reconstructed)
        self.y = _dense(y)
        for name, A in (("X_reconstructed", self.X_reconstructed), ("y", self.y)):
            if A is not None and len(A) != len(self.X):
                raise ValueError(
                    f"{name} has {len(A)} samples but X has {len(self.X)}; pass "
                    "the same rows."
                )
        self.image_shape = None if image_shape is None else tuple(image_shape)
        self.sequence_shape = (
            None if sequence_shape is None else tuple(int(d) for d in sequence_shape)
        )
        if self.image_shape is not None and self.sequence_shape is not None:
            raise ValueError("Pass image_shape or sequence_shape, not both.")
        self.feature_names = feature_names
        self.sample_labels = (
            [str(i) for i in range(len(self.X))]
            if sample_labels is None
            else [str(s) for s in sample_labels]
        )
        self.estimator_name = estimator_name

    def _is_images(self):
        return self.image_shape is not None or self.X.ndim > 2

    def plot(self, ax=None, *, name=None, cmap="gray"):
        """Draw the image grid or the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure sized to the grid.
        name : str, default=None
            Title; None uses ``estimator_name``.
        cmap : str or matplotlib Colormap, default="gray"
            Colour map of gray images.

        Returns
        -------
        display : ReconstructionDisplay
            This display, with ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae.plotting import ReconstructionDisplay
        >>> X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.5]])
        >>> display = ReconstructionDisplay(X=X, X_reconstructed=X + 0.1).plot()
        >>> len(display.bars_), display.ax_.get_xlabel()
        (2, 'feature')
        """
        plt = _import_pyplot("ReconstructionDisplay.plot")
        title = name if name is not None else self.estimator_name
        self.image_ = None
        self.bars_ = []
        self.lines_ = []
        if self._is_images():
            self._plot_images(ax, plt, cmap)
        elif self.sequence_shape is not None:
            self._plot_sequences(ax, plt)
        else:
            self._plot_bars(ax, plt)
        if title is not None:
            self.ax_.set_title(title)
        return self

    def _blocks(self):
        """(label, array) of each row of the image grid."""
        if self.y is None:
            return [("original", self.X), ("reconstruction", self.X_reconstructed)]
        return [("input", self.X), ("output", self.X_reconstructed), ("target", self.y)]

    def _plot_images(self, ax, plt, cmap):
        if self.image_shape is not None:
            shape = _parse_image_shape(self.image_shape)
        else:  # X holds images; flat outputs of images are in C, H, W order
            shape = (self.X.shape[1], self.X.shape[2], "chw")
        blocks = [(label, _to_images(A, shape, label)) for label, A in self._blocks()]
        self.errors_ = _errors(
            blocks[-1][1] if len(blocks) == 3 else blocks[0][1], blocks[1][1]
        )
        sizes = {images.shape[1:3] for _, images in blocks}
        if len(sizes) != 1:
            raise ValueError(
                f"The inputs and outputs are images of different sizes {sorted(sizes)}."
            )
        height, width = sizes.pop()
        colour = any(images.ndim == 4 for _, images in blocks)
        low, high = _display_range(
            [images for label, images in blocks if label in ("original", "input")]
            + [images for label, images in blocks if label == "target"]
        )
        pad = max(1, round(0.12 * max(height, width)))
        n_rows, n_cols = len(blocks), len(self.X)
        grid = np.full(
            (n_rows * (height + pad) - pad, n_cols * (width + pad) - pad, 4),
            np.nan,
        )
        for r, (_, images) in enumerate(blocks):
            if colour and images.ndim == 3:
                images = np.repeat(images[..., None], 3, axis=-1)
            for c, image in enumerate(images):
                top, left = r * (height + pad), c * (width + pad)
                cell = grid[top : top + height, left : left + width]
                if colour:
                    cell[..., :3] = np.clip((image - low) / (high - low), 0, 1)
                    cell[..., 3] = 1.0
                else:
                    cell[..., 0] = image
        if ax is None:
            # About 0.9 inch per image, plus room for the row labels and title.
            scale = 0.9 / (height + pad)
            figsize = (
                min(14.0, grid.shape[1] * scale + 1.3),
                grid.shape[0] * scale + 0.7,
            )
        self.figure_, self.ax_ = _figure_and_axes(
            ax, plt, **({} if ax is not None else {"figsize": figsize})
        )
        ax = self.ax_
        if colour:
            rgba = np.nan_to_num(grid, nan=0.0)  # padding: transparent
            self.image_ = ax.imshow(rgba, interpolation="nearest")
        else:
            cmap = plt.get_cmap(cmap).with_extremes(bad=(1, 1, 1, 0))
            self.image_ = ax.imshow(
                grid[..., 0],
                cmap=cmap,
                vmin=low,
                vmax=high,
                interpolation="nearest",
            )
        ax.set_yticks(
            [r * (height + pad) + (height - 1) / 2 for r in range(n_rows)],
            [label for label, _ in blocks],
        )
        ax.set_xticks(
            [c * (width + pad) + (width - 1) / 2 for c in range(n_cols)],
            self.sample_labels,
            fontsize="small",
        )
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)

    def _plot_sequences(self, ax, plt):
        if len(self.sequence_shape) != 2 or min(self.sequence_shape) < 1:
            raise ValueError(
                f"sequence_shape={self.sequence_shape!r} must be the (window, "
                "n_channels) of one row."
            )
        window = self.sequence_shape[0]
        shown = self.X if self.y is None else self.y
        arrays = []
        for label, A in (
            ("X" if self.y is None else "y", shown),
            ("outputs", self.X_reconstructed),
        ):
            A = A.reshape(len(A), -1)
            if A.shape[1] % window:
                raise ValueError(
                    f"{label} has rows of {A.shape[1]} values, which are not "
                    f"windows of {window} steps. Pass the sequence_shape of one "
                    "row, (window, n_channels)."
                )
            arrays.append(A.reshape(len(A), window, -1))
        shown, out = arrays
        self.errors_ = _errors(shown, out)
        self.figure_, self.ax_ = _figure_and_axes(
            ax, plt, **({} if ax is not None else {"figsize": (8, 4)})
        )
        ax = self.ax_
        steps = np.arange(window)
        what = "row" if self.y is None else "target of row"
        for i in range(len(shown)):
            label = f"{what} {self.sample_labels[i]}"
            if self.errors_ is not None:
                label += f" (MSE {self.errors_[i]:.3g})"
            for c in range(shown.shape[2]):
                (line,) = ax.plot(
                    steps,
                    shown[i, :, c],
                    color=f"C{i % 10}",
                    linewidth=1.5,
                    label=label if c == 0 else None,
                )
                self.lines_.append(line)
            for c in range(out.shape[2]):
                ax.plot(steps, out[i, :, c], color=f"C{i % 10}", linestyle="--")
        ax.plot([], [], color="0.3", linestyle="--", label="output (dashed)")
        ax.set_xlabel("time step in the window")
        ax.set_ylabel("value")
        ax.legend(fontsize="small")

    def _plot_bars(self, ax, plt):
        shown = self.X if self.y is None else self.y
        out = self.X_reconstructed
        if shown.ndim != 2 or shown.shape != out.shape:
            raise ValueError(
                f"Tabular rows need outputs shaped like the "
                f"{'inputs' if self.y is None else 'targets'}, but got "
                f"{shown.shape} and {out.shape}. For images, pass image_shape."
            )
        n_samples, n_features = shown.shape
        self.errors_ = _errors(shown, out)
        if ax is None:
            width = min(14.0, max(6.0, 0.22 * n_features * max(1, n_samples) + 2))
            self.figure_, self.ax_ = _figure_and_axes(None, plt, figsize=(width, 4))
        else:
            self.figure_, self.ax_ = _figure_and_axes(ax, plt)
        ax = self.ax_
        positions = np.arange(n_features)
        bar_width = 0.8 / n_samples
        what = "row" if self.y is None else "target of row"
        for i in range(n_samples):
            x = positions - 0.4 + bar_width * (i + 0.5)
            label = f"{what} {self.sample_labels[i]}"
            if self.errors_ is not None:
                label += f" (MSE {self.errors_[i]:.3g})"
            self.bars_.append(
                ax.bar(
                    x, shown[i], width=bar_width, color=f"C{i}", alpha=0.6, label=label
                )
            )
            ax.hlines(
                out[i],
                x - bar_width / 2,
                x + bar_width / 2,
                colors="k",
                linewidth=2,
                label="output" if i == 0 else None,
            )
        ax.axhline(0, color="0.5", linewidth=0.8)
        names = self.feature_names
        if names is None:
            names = [f"x{j}" for j in range(n_features)]
        step = max(1, n_features // 40)
        ax.set_xticks(positions[::step], [str(n) for n in names][::step])
        longest = max(len(str(n)) for n in names)
        if longest > 3 or n_features > 12:
            plt.setp(ax.get_xticklabels(), rotation=60, ha="right")
        ax.set_xlim(-0.6, n_features - 0.4)
        ax.set_xlabel("feature")
        ax.set_ylabel("value")
        ax.legend(fontsize="small")

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        n_samples=None,
        indices=None,
        image_shape=None,
        sequence_shape=None,
        method="auto",
        ax=None,
        name=None,
        cmap="gray",
    ):
        """Reconstruct (or restore) rows of X with a fitted estimator and plot.

        The outputs are ``predict(X)`` when the estimator has ``predict`` (a
        denoiser's restoration) and ``inverse_transform(transform(X))``
        otherwise (an autoencoder's or PCA's reconstruction). Outlier
        detectors and classifiers, whose ``predict`` gives labels, use the
        latter.

        Parameters
        ----------
        estimator : estimator instance
            Fitted estimator (or pipeline) with ``predict`` returning rows, or
            with ``transform`` and ``inverse_transform``.
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or \
images of shape (n_samples, H, W) or (n_samples, H, W, C)
            Inputs; only the shown rows are passed to the estimator.
        y : array-like, default=None
            Targets for the same rows (e.g. clean images for noisy ``X``),
            drawn beside the outputs.
        n_samples : int, default=None
            Show the first ``n_samples`` rows of X. None shows up to 10
            images, or up to 3 tabular rows or sequences.
        indices : array-like of int, default=None
            Rows of X to show instead (e.g. the worst outliers); they label
            the samples.
        image_shape : tuple of int, default=None
            Shape of one image, see :class:`ReconstructionDisplay`. None uses
            the fitted ``input_shape_`` of an estimator with
            ``network="conv"``, or the shape of ``X`` when it holds images.
        sequence_shape : tuple of int, default=None
            (window, n_channels) of one row of a time series, see
            :class:`ReconstructionDisplay`. None uses the fitted
            ``input_shape_`` of an estimator with ``network="recurrent"``.
            Without either shape, rows are drawn as tabular bars.
        method : {"auto", "predict", "inverse_transform"}, default="auto"
            How to get the outputs; "auto" is described above.
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure.
        name : str, default=None
            Title; None uses the estimator's class name.
        cmap : str or matplotlib Colormap, default="gray"
            Colour map of gray images.

        Returns
        -------
        display : ReconstructionDisplay
            The display, drawn.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.decomposition import PCA
        >>> from sklearn_ae.plotting import ReconstructionDisplay
        >>> X, _ = load_digits(return_X_y=True)
        >>> pca = PCA(n_components=8).fit(X)
        >>> display = ReconstructionDisplay.from_estimator(
        ...     pca, X, n_samples=6, image_shape=(8, 8)
        ... )
        >>> display.X_reconstructed.shape, display.ax_.get_title()
        ((6, 64), 'PCA')
        """
        check_is_fitted(estimator)
        if method not in _METHODS:
            raise ValueError(f"method={method!r} must be one of {_METHODS}.")
        final = _final_estimator(estimator)
        fitted_shape = getattr(final, "input_shape_", None)
        if image_shape is None and sequence_shape is None and fitted_shape:
            # (C, H, W) images, (window, n_channels) sequences.
            if len(fitted_shape) == 3:
                image_shape = fitted_shape
            elif len(fitted_shape) == 2:
                sequence_shape = fitted_shape
        is_images = image_shape is not None or getattr(X, "ndim", 2) > 2
        if indices is None:
            if n_samples is None:
                n_samples = 10 if is_images else 3
            n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
            indices = np.arange(min(int(n_samples), n_rows))
        indices = np.asarray(indices, dtype=int)
        X_shown = _safe_indexing(X, indices)
        y_shown = None if y is None else _safe_indexing(y, indices)
        if method == "auto":
            labels_only = is_outlier_detector(final) or is_classifier(final)
            method = (
                "predict"
                if hasattr(estimator, "predict") and not labels_only
                else "inverse_transform"
            )
        if method == "predict":
            outputs = np.asarray(estimator.predict(X_shown))
        elif hasattr(estimator, "inverse_transform"):
            outputs = np.asarray(
                estimator.inverse_transform(estimator.transform(X_shown))
            )
        else:
            raise TypeError(
                f"{type(final).__name__} has no inverse_transform to reconstruct "
                "X with; pass an estimator with predict returning rows, or with "
                "transform and inverse_transform."
            )
        if outputs.ndim == 1 and getattr(X_shown, "ndim", 2) != 1:
            raise ValueError(
                f"{method} returned one value per row (labels?), not rows: use "
                "method='inverse_transform'."
            )
        feature_names = getattr(X, "columns", None)
        if feature_names is None:
            feature_names = getattr(final, "feature_names_in_", None)
        display = cls(
            X=X_shown,
            X_reconstructed=outputs,
            y=y_shown,
            image_shape=image_shape,
            sequence_shape=sequence_shape,
            feature_names=None if feature_names is None else list(feature_names),
            sample_labels=indices,
            estimator_name=_estimator_name(estimator),
        )
        return display.plot(ax=ax, name=name, cmap=cmap)
