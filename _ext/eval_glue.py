"""Sphinx extension: ``{eval}`name``` in a cached notebook shows the value glued as ``name``.

A number in a chapter's prose is computed by a cell. In the book it comes from myst-nb's glue;
in JupyterLab, jupyterlab-myst renders ``{glue:text}`` as the bare key, but evaluates an
``{eval}`` role in the kernel once the notebook has run. So the prose says
``{eval}`score_k3``` and a hidden cell both computes the formatted value and glues it under
the same name::

    score_k3 = f"{score[3]:.2f}"
    glue("score_k3", score_k3, display=False)

myst-nb evaluates ``{eval}`` only in its inline execution mode, which is never cached. This
extension re-registers the role: in a notebook executed inline it still evaluates; otherwise
(the book's cached execution) it pastes the glued ``text/plain`` of that name, exactly as
``{glue:text}`` would. A name with no glue is a build warning, so ``-W`` fails on it.
"""

from __future__ import annotations

from myst_nb.ext.eval import EvalRoleAny
from myst_nb.ext.glue.roles import PasteTextRole


def _inline(document) -> bool:
    """Whether this document is executed by myst-nb's inline client (which can evaluate)."""
    renderer = getattr(document.get("nb_renderer"), "renderer", None)
    config = getattr(getattr(renderer, "nb_client", None), "nb_config", None)
    return getattr(config, "execution_mode", None) == "inline"


class EvalOrGlue(PasteTextRole):
    """``{eval}`name```: evaluated when executing inline, else the glue called ``name``."""

    def run(self):
        if _inline(self.document):
            role = EvalRoleAny()
            role.text, role.inliner, role.rawtext = self.text, self.inliner, self.rawtext
            role.source, role.line = self.source, self.line
            return role.run()
        if ":" in self.text:  # glue's "doc::key" and "key:format" forms are not an expression
            msg = self.inliner.reporter.warning(
                f"{{eval}} takes a variable name, got {self.text!r}", line=self.line)
            return [], [msg]
        return super().run()


def setup(app):
    app.add_role("eval", EvalOrGlue(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
