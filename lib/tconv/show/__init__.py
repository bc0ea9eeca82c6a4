"""tconv.show: the drawing and playing toolkit; it draws and plays, it computes nothing.

- :mod:`tconv.show.draw`: matplotlib figures of grids, placements and overlap counts;
- :mod:`tconv.show.player`: static HTML players (every frame pre-rendered, a little inline
  JavaScript) for pages with no Python kernel;
- :mod:`tconv.show.widgets`: interactive objects that are both a live ipywidget and a static
  player: :class:`Stepper`, :class:`SequenceView`, :class:`ChooserView`, and the HTML grids
  their frames are made of;
- :mod:`tconv.show.source`: library code shown as a cell's output (:func:`source`), the same
  in the book and in JupyterLab.

May import: the operations (:mod:`tconv` and its modules), numpy, matplotlib and ipywidgets;
never :mod:`tconv.book`. Importing this package loads neither matplotlib nor ipywidgets:
:mod:`tconv.show.draw` loads matplotlib when it is imported, the widgets load ipywidgets when
one is first shown live.
"""

from .source import source
from .widgets import ChooserView, SequenceView, Stepper

__all__ = ["Stepper", "SequenceView", "ChooserView", "source"]
