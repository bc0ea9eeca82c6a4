"""_ext/players.py: one copy of the players' module and stylesheet per site, not per output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tconv.show.player import digest, error_box, module_text, static_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import players  # noqa: E402

DATA = {"kind": "frames", "id": "tcp-0", "title": "t", "note": "", "css": "", "interval": 9,
        "frames": ["a"], "captions": ["b"]}


def test_the_first_copy_becomes_a_reference_and_the_others_go():
    written = {}
    page = static_html(DATA) + error_box("bad") + static_html(DATA)
    seen = set()
    shared = players.share(page, "../_static/tconv/", seen, written.__setitem__)
    sha = digest(module_text())
    assert shared.count(f'<script defer src="../_static/tconv/player-{sha}.js"></script>') == 1
    assert shared.count('<link rel="stylesheet" href="../_static/tconv/player-') == 1
    assert 'class="tconv-module"' not in shared and 'class="tconv-css"' not in shared
    assert shared.count('class="tconv-data"') == 2 and shared.count("m.mount(el,") == 2
    assert set(written) == {f"player-{sha}.js", f"player-{digest(players_css())}.css"}
    # the next output on the same page references nothing again
    assert "<script src" not in players.share(static_html(DATA), "", seen, written.__setitem__)


def players_css() -> str:
    from tconv.show.player import css_text
    return css_text()


def test_the_shared_module_file_hands_the_boot_the_modules_text():
    written = {}
    players.share(static_html(DATA), "", set(), written.__setitem__)
    (name,) = [n for n in written if n.endswith(".js")]
    sha = digest(module_text())
    prefix = f"(window.tconvModuleText=window.tconvModuleText||{{}})[{sha!r}]="
    text = written[name]
    assert text.startswith(prefix) and text.endswith(";\n")
    assert json.loads(text[len(prefix):-2]) == module_text()  # a JSON string is a JS string
