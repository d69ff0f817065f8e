"""Sequence helpers: cut a time series into overlapping windows."""

# License: BSD 3 clause

from numbers import Integral

import numpy as np
from sklearn.utils import check_array


def sliding_windows(series, window, step=1):
    """Cut a series into overlapping windows, one flat row per window.

    Window ``i`` covers time steps ``i * step`` to ``i * step + window - 1``.
    Each row holds its steps in time order, the channels of a step side by
    side, so ``row.reshape(window, n_channels)`` gives back the window: the
    layout that ``network="recurrent"`` with ``input_shape=(window,
    n_channels)`` expects.

    Read more in :ref:`sequences`.

    Parameters
    ----------
    series : array-like of shape (n_steps,) or (n_steps, n_channels)
        The series, one row per time step (a pandas Series or DataFrame
        works too).
    window : int
        Steps per window.
    step : int, default=1
        Steps between the starts of consecutive windows.

    Returns
    -------
    windows : ndarray of shape (n_windows, window * n_channels)
        ``n_windows = (n_steps - window) // step + 1``; a copy, in the
        series' float dtype (float64 for integer input).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_ae import sliding_windows
    >>> sliding_windows(np.arange(6), window=3, step=2)
    array([[0., 1., 2.],
           [2., 3., 4.]])
    >>> sliding_windows(np.arange(8).reshape(4, 2), window=2).shape
    (3, 4)
    """
    for name, value in (("window", window), ("step", step)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer.")
    values = check_array(
        series,
        ensure_2d=False,
        allow_nd=True,
        dtype=[np.float64, np.float32],
        input_name="series",
    )
    if values.ndim == 1:
        values = values[:, None]
    elif values.ndim != 2:
        raise ValueError(
            f"series must be 1-D (n_steps,) or 2-D (n_steps, n_channels), but "
            f"it has shape {values.shape}."
        )
    n_steps, n_channels = values.shape
    if window > n_steps:
        raise ValueError(
            f"window={window} is longer than the series ({n_steps} steps). Pass "
            "a shorter window or a longer series."
        )
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)
    # view: (n_steps - window + 1, n_channels, window) -> steps first.
    view = view[::step].transpose(0, 2, 1)
    return np.ascontiguousarray(view).reshape(len(view), window * n_channels)
