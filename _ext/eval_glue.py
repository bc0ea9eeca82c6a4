"""Sphinx extension: ``{eval}`name``` shows a number the notebook computed, in both hosts.

Numbers in the chapters' prose come from the computation, never typed. A hidden cell computes
the text and glues it under a plain Python name::

    score_k3 = f"{score[3]:.2f}"
    glue("score_k3", score_k3, display=False)

and the prose says ``{eval}`score_k3```. JupyterLab (jupyterlab-myst) evaluates that role in
the running kernel, so a student sees the name in code font until the cell has run, then the
number. myst-nb evaluates ``{eval}`` only in its inline execution mode, which our cached build
does not use; this extension makes the role paste the glued value of the same name instead
(myst-nb's own ``{glue:text}`` with a plain key: a missing name is a build warning, so an error
under ``-W``). In a notebook built in inline mode it still evaluates.

In a translated paragraph (the Chinese edition, issue 16) Sphinx parses the translation as a
small document of its own, which has no notebook attached: a plain key would find no glue.
There the role reads the page's own glue cache (``<name>.glue.json``, which myst-nb writes when
it reads the notebook, before Sphinx translates it); a missing name is a warning.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.eval import EvalRoleAny
from myst_nb.ext.glue.crossref import read_glue_cache
from myst_nb.ext.glue.roles import PasteTextRole


class EvalOrGlue(PasteTextRole):
    """``{eval}`name```: the glued text of ``name`` (cached builds), or its value (inline)."""

    def run(self):
        renderer = getattr(self.document.get("nb_renderer"), "renderer", None)
        config = getattr(getattr(renderer, "nb_client", None), "nb_config", None)
        if config is not None and config.execution_mode == "inline":
            role = EvalRoleAny()
            role.text, role.inliner, role.rawtext = self.text, self.inliner, self.rawtext
            role.source, role.line = self.source, self.line
            return role.run()
        env = getattr(self.document.settings, "env", None)
        if "nb_renderer" not in self.document and env is not None and "::" not in self.text:
            return self.translated(env)
        return super().run()


    def translated(self, env):
        """The glued text of this page's ``name``, read from its glue cache (written when the
        notebook was read, before Sphinx translates it)."""
        data = read_glue_cache(env.mystnb_config.output_folder, env.docname)
        if self.text not in data or "text/plain" not in data[self.text].get("data", {}):
            message = f"{{eval}}`{self.text}` in a translation: no glued text of that name in " \
                      f"{env.docname}"
            return [], [self.inliner.reporter.warning(message, line=self.lineno)]
        text = format_plain_text(data[self.text]["data"]["text/plain"], "s")
        return [nodes.inline(text, text, classes=["pasted-text"])], []


def setup(app):
    app.add_role("eval", EvalOrGlue(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
