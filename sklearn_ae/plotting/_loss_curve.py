"""LossCurveDisplay: training and validation loss of each epoch."""

# License: BSD 3 clause

import numpy as np
from sklearn.utils.validation import check_is_fitted

from sklearn_ae.plotting._utils import (
    _estimator_name,
    _figure_and_axes,
    _final_estimator,
    _import_pyplot,
)


class LossCurveDisplay:
    """Training and validation loss of each epoch, best epoch marked.

    Use :meth:`from_estimator` to build it from a fitted estimator; the
    constructor only stores the curves. Call :meth:`plot` to draw them again,
    e.g. on other axes.

    Read more in :ref:`plotting`.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss of each epoch.
    validation_loss : array-like of shape (n_epochs,), default=None
        Validation loss of each epoch (a loss: lower is better), when the
        estimator held out rows (``early_stopping=True``).
    best_epoch : int, default=None
        Epoch (counted from 1) whose weights the estimator kept. None marks
        the lowest validation loss, or the lowest training loss without one.
    estimator_name : str, default=None
        Name used in the title.

    Attributes
    ----------
    line_train_ : matplotlib Line2D
        The training curve.
    line_val_ : matplotlib Line2D or None
        The validation curve, if there is one.
    best_line_ : matplotlib Line2D
        The vertical line at the best epoch.
    ax_ : matplotlib Axes
        Axes with the curves.
    figure_ : matplotlib Figure
        Figure containing the curves.

    See Also
    --------
    LossCurveDisplay.from_estimator : Plot the curves of a fitted estimator.

    Examples
    --------
    >>> from sklearn_ae.plotting import LossCurveDisplay
    >>> display = LossCurveDisplay(
    ...     loss_curve=[1.0, 0.5, 0.4, 0.35], validation_loss=[1.1, 0.6, 0.5, 0.55]
    ... )
    >>> display.plot().best_epoch
    3
    >>> [text.get_text() for text in display.ax_.get_legend().get_texts()]
    ['training loss', 'validation loss', 'best epoch (3)']
    """

    def __init__(
        self, *, loss_curve, validation_loss=None, best_epoch=None, estimator_name=None
    ):
        self.loss_curve = np.asarray(loss_curve, dtype=float)
        self.validation_loss = (
            None if validation_loss is None else np.asarray(validation_loss, float)
        )
        if self.loss_curve.ndim != 1 or self.loss_curve.size == 0:
            raise ValueError(
                "loss_curve must be a non-empty 1-D sequence of losses, one per "
                f"epoch, but has shape {self.loss_curve.shape}."
            )
        if (
            self.validation_loss is not None
            and self.validation_loss.shape != self.loss_curve.shape
        ):
            raise ValueError(
                f"validation_loss has {self.validation_loss.size} epochs but "
                f"loss_curve has {self.loss_curve.size}; pass one value per epoch "
                "for both."
            )
        if best_epoch is None:
            monitored = (
                self.loss_curve
                if self.validation_loss is None
                else self.validation_loss
            )
            best_epoch = int(np.nanargmin(monitored)) + 1
        self.best_epoch = int(best_epoch)
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, log_scale=False):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure.
        name : str, default=None
            Title; None uses ``estimator_name``.
        log_scale : bool, default=False
            Use a logarithmic loss axis (useful when the first epochs dwarf
            the rest).

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn_ae.plotting import LossCurveDisplay
        >>> fig, ax = plt.subplots()
        >>> display = LossCurveDisplay(loss_curve=[1.0, 0.5, 0.4]).plot(ax=ax)
        >>> display.ax_ is ax, display.best_epoch
        (True, 3)
        """
        plt = _import_pyplot("LossCurveDisplay.plot")
        curves = [self.loss_curve]
        if self.validation_loss is not None:
            curves.append(self.validation_loss)
        if log_scale and min(np.nanmin(c) for c in curves) <= 0:
            raise ValueError(
                "log_scale=True needs positive losses, but these curves reach "
                "values <= 0 (a VariationalAutoencoder's loss, minus the ELBO, "
                "can be negative). Use log_scale=False."
            )
        self.figure_, self.ax_ = _figure_and_axes(ax, plt)
        ax = self.ax_
        epochs = np.arange(1, self.loss_curve.size + 1)
        (self.line_train_,) = ax.plot(epochs, self.loss_curve, label="training loss")
        self.line_val_ = None
        monitored = self.loss_curve
        if self.validation_loss is not None:
            (self.line_val_,) = ax.plot(
                epochs, self.validation_loss, label="validation loss"
            )
            monitored = self.validation_loss
        self.best_line_ = ax.axvline(
            self.best_epoch,
            color="0.4",
            linestyle=":",
            label=f"best epoch ({self.best_epoch})",
        )
        if 1 <= self.best_epoch <= monitored.size:
            ax.plot(
                self.best_epoch,
                monitored[self.best_epoch - 1],
                marker="o",
                color=(self.line_val_ or self.line_train_).get_color(),
            )
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        title = name if name is not None else self.estimator_name
        if title is not None:
            ax.set_title(title)
        ax.legend()
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, log_scale=False):
        """Plot the loss curves of a fitted estimator.

        Reads ``loss_curve_`` and ``validation_scores_`` (minus the validation
        loss of each epoch, as sklearn_ae's estimators store it, or None).
        A :class:`~sklearn.pipeline.Pipeline` is read through its last step.

        Parameters
        ----------
        estimator : estimator instance
            A fitted sklearn_ae estimator, or a pipeline ending with one.
        ax : matplotlib Axes, default=None
            Axes to draw on. None creates a new figure.
        name : str, default=None
            Title; None uses the estimator's class name.
        log_scale : bool, default=False
            Use a logarithmic loss axis.

        Returns
        -------
        display : LossCurveDisplay
            The display, drawn.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_ae import AutoencoderTransformer
        >>> from sklearn_ae.plotting import LossCurveDisplay
        >>> X, _ = load_digits(return_X_y=True)
        >>> ae = AutoencoderTransformer(
        ...     n_components=4, max_iter=8, early_stopping=True, random_state=0
        ... ).fit(X / 16)
        >>> display = LossCurveDisplay.from_estimator(ae)
        >>> display.ax_.get_xlabel(), display.ax_.get_title()
        ('epoch', 'AutoencoderTransformer')
        >>> len(display.line_val_.get_xdata()) == ae.n_iter_
        True
        """
        final = _final_estimator(estimator)
        check_is_fitted(final)
        if not hasattr(final, "loss_curve_"):
            raise TypeError(
                f"{type(final).__name__} has no loss_curve_: LossCurveDisplay "
                "plots estimators trained epoch by epoch, such as "
                "sklearn_ae.AutoencoderTransformer."
            )
        scores = getattr(final, "validation_scores_", None)
        display = cls(
            loss_curve=final.loss_curve_,
            validation_loss=None if scores is None else -np.asarray(scores, float),
            estimator_name=_estimator_name(estimator),
        )
        return display.plot(ax=ax, name=name, log_scale=log_scale)
