"""tconv.show: the drawing and playing toolkit; it draws and plays, it computes nothing new.

- :mod:`tconv.show.draw`: matplotlib figures of grids, placements and overlap counts;
- :mod:`tconv.show.player`: the players' one ES module (``player.js``, whose engine mirrors
  :mod:`tconv.placements`) and stylesheet (``player.css``), and the self-contained
  ``text/html`` copy that runs them in a page with no kernel;
- :mod:`tconv.show.widgets`: interactive objects shown by that module, live in JupyterLab
  (anywidget) and in the book alike: the editable :class:`Stepper`, :class:`GatherStepper`
  and :class:`DirectStepper`, and :class:`SequenceView`, :class:`ChooserView` for
  pre-rendered frames;
- :mod:`tconv.show.editions`: while a notebook executes for the book, each figure and player
  drawn again in the book's other languages (one execution, every edition);
- :mod:`tconv.show.source`: library code shown as a cell's output (:func:`source`), the same
  in the book and in JupyterLab.

May import: the operations (:mod:`tconv` and its modules), numpy, matplotlib and anywidget;
never :mod:`tconv.book`. Importing this package loads neither matplotlib nor anywidget:
:mod:`tconv.show.draw` loads matplotlib when it is imported, the widgets load anywidget when
one is first shown live.
"""

from . import editions
from .source import source
from .widgets import ChooserView, DirectStepper, GatherStepper, SequenceView, Stepper

editions.register()  # in a kernel executing for the book: copies for its other editions

__all__ = ["Stepper", "GatherStepper", "DirectStepper", "SequenceView", "ChooserView", "source"]
