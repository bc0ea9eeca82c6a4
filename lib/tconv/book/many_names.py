"""The companion of ``chapters/many-names.ipynb``: the rows of ``C.T`` in step, and noise.

- :class:`MatrixRowStepper`: the output of a transposed convolution cell by cell, each cell
  shown as what the scatter puts there *and* as one row of the matrix ``C.T`` applied to the
  flattened input: the "transposed" view and the scatter in step, editable in the page (an
  :class:`~tconv.show.widgets.EditableView`).
- :func:`noise_study`: what a little noise does to undoing a blur, measured: the condition
  number of the blur's matrix, the error of least squares with and without noise, and of
  Tikhonov (ridge) regularisation; :func:`noise_table` lays it out.

Every number shown comes from the library (:func:`tconv.views.conv_matrix`,
:func:`tconv.gather`, :func:`tconv.views.deconvolve_least_squares`,
:func:`tconv.views.deconvolve_tikhonov`); this module only runs and lays them out. May
import: the operations (:mod:`tconv`) and the toolkit (:mod:`tconv.show`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .._checks import as_array, check_ndim
from ..conv import conv2d
from ..shapes import conv_output_size
from ..show.table import Table
from ..show.widgets import EditableView
from ..views import conv_matrix, deconvolve_least_squares, deconvolve_tikhonov

# The scatter and the rows of C.T, in step -----------------------------------------------------

class MatrixRowStepper(EditableView):
    """Each output cell of ``conv_transpose2d(x, kernel, ...)`` as a row of ``C.T`` times x.

    ``C`` is the matrix of the convolution with the same kernel, stride, padding and dilation
    (:func:`tconv.views.conv_matrix`) on an input of the output's shape, so
    ``out.ravel() == C.T @ x.ravel()``. Frame ``r·oW + c`` shows output cell (r, c): the
    input cells whose kernel copies land on it (the scatter, via :func:`tconv.gather`), the
    kernel cells they use, row ``r·oW + c`` of ``C.T`` (non-zero only in those columns) and the
    output filled in up to that cell; at most ``max_cells`` output cells. Editable in the
    page. Invalid settings give ``.error``. ``.CT`` and ``.x_padded`` are the library's.
    """

    views = ("rows",)
    kind_title = "Each output cell is one row of Cᵀ times x"

    def __init__(self, x, kernel, stride=1, padding=0, output_padding=0, dilation=1,
                 title: str | None = None, *, max_cells: int = 36, **options):
        super().__init__(x, kernel, stride, padding, output_padding, dilation, title,
                         max_cells=max_cells, **options)
        if self.error:
            return
        p = self.placements
        self.output = p.output
        self.CT = conv_matrix(p.output.shape, p.kernel, p.stride, p.padding, p.dilation).T
        # With output_padding >= stride (possible when dilation > stride) the convolution of an
        # output-shaped input has an extra row/column that x does not feed: x counts as 0 there.
        conv_shape = conv_output_size(p.output.shape, p.kernel.shape, p.stride, p.padding,
                                      p.dilation)
        self.x_padded = np.zeros(conv_shape, p.output.dtype)
        self.x_padded[:p.x.shape[0], :p.x.shape[1]] = p.x


# Undoing a blur, with noise -------------------------------------------------------------------

def rms(a) -> float:
    """The root mean square of an array's values."""
    return float(np.sqrt(np.mean(np.square(a))))


class NoiseStudy(NamedTuple):
    """Undoing a "full" stride-1 blur y = C z + noise: what :func:`noise_study` measured.

    Errors are root-mean-square differences from the image z, one per noise seed.
    """

    sigma: float
    """The noise's standard deviation (in the image's units)."""
    condition: float
    """κ(C): C's largest singular value over its smallest."""
    worst_gain: float
    """1 / C's smallest singular value: how much least squares magnifies noise that lies
    along C's weakest direction."""
    typical_gain: float
    """The root mean square of 1 / C's singular values: the expected RMS error of least
    squares per unit of noise standard deviation, for white noise."""
    clean_error: float
    """Least squares on the exact blurred image."""
    blurred_error: tuple[float, ...]
    """The noisy blurred image itself (its middle, the image's size): no deconvolution."""
    least_squares_error: tuple[float, ...]
    """Least squares on the noisy blurred image."""
    ridge_error: dict[float, tuple[float, ...]]
    """alpha -> Tikhonov regularisation on the noisy blurred image."""
    examples: dict[str, np.ndarray]
    """For the first seed: "noisy" (the blurred image with noise), "least squares", and
    "ridge" (with :attr:`best_alpha`)."""

    @property
    def best_alpha(self) -> float:
        """The alpha whose mean error is lowest."""
        return min(self.ridge_error, key=lambda a: np.mean(self.ridge_error[a]))


def noise_study(image, kernel, sigma: float, alphas: Sequence[float],
                seeds: Sequence[int] = (0, 1, 2, 3, 4)) -> NoiseStudy:
    """Blur ``image`` with ``kernel`` (stride 1, "full" padding k - 1), add noise, undo it.

    For each seed, Gaussian noise of standard deviation ``sigma`` is added to the blurred
    image, which is then undone by least squares and by Tikhonov regularisation with each of
    ``alphas``. The kernel must have odd sides, so that the blurred image's middle lines up
    with the image.
    """
    image = as_array(image, "image").astype(float)
    check_ndim(image, "image", (2,), "(H, W)")
    kernel = as_array(kernel, "kernel").astype(float)
    check_ndim(kernel, "kernel", (2,), "(kH, kW)")
    if kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"kernel must have odd sides, got shape {kernel.shape}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma > 0:
        raise ValueError(f"sigma must be a positive number, got {sigma!r}")
    alphas, seeds = [float(a) for a in alphas], [int(s) for s in seeds]
    if not alphas or not seeds:
        raise ValueError("alphas and seeds must each hold at least one value")
    full = dict(padding=(kernel.shape[0] - 1, kernel.shape[1] - 1))
    mh, mw = (kernel.shape[0] - 1) // 2, (kernel.shape[1] - 1) // 2
    singular = np.linalg.svd(conv_matrix(image.shape, kernel, **full), compute_uv=False)
    blurred = conv2d(image, kernel, **full)
    clean = deconvolve_least_squares(blurred, kernel, image.shape, **full)
    shown, ls_errors, blurred_errors = {}, [], []
    ridge = {a: [] for a in alphas}
    for seed in seeds:
        noisy = blurred + np.random.default_rng(seed).normal(0.0, sigma, blurred.shape)
        ls = deconvolve_least_squares(noisy, kernel, image.shape, **full)
        ls_errors.append(rms(ls - image))
        blurred_errors.append(rms(noisy[mh:mh + image.shape[0], mw:mw + image.shape[1]] - image))
        fits = {a: deconvolve_tikhonov(noisy, kernel, image.shape, alpha=a, **full)
                for a in alphas}
        for a, fit in fits.items():
            ridge[a].append(rms(fit - image))
        if not shown:
            shown = {"noisy": noisy, "least squares": ls, "ridge": fits}
    study = NoiseStudy(float(sigma), float(singular.max() / singular.min()),
                       float(1 / singular.min()), rms(1 / singular), rms(clean - image),
                       tuple(blurred_errors), tuple(ls_errors),
                       {a: tuple(e) for a, e in ridge.items()}, {})
    shown["ridge"] = shown["ridge"][study.best_alpha]
    study.examples.update(shown)
    return study


def _mean_spread(errors) -> str:
    return f"{np.mean(errors):.3f} ± {np.std(errors):.3f}"


def noise_table(study: NoiseStudy) -> Table:
    """The study's errors as a table: one line per method, mean ± standard deviation."""
    rows = [("the noisy blurred image itself", _mean_spread(study.blurred_error)),
            ("least squares", _mean_spread(study.least_squares_error))]
    rows += [(f"Tikhonov, α = {a:g}", _mean_spread(e)) for a, e in study.ridge_error.items()]
    n = len(study.least_squares_error)
    return Table(["estimate of the image", f"RMS error (mean ± sd over {n} noise draws)"],
                 rows)
