"""scripts/slides.py without a build: the chapters' slide markings, and cutting a small page.

The decks made from the real book are checked in tests/test_browser_slides.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from script_support import load_script

ROOT = Path(__file__).resolve().parents[1]
slides = load_script("slides")

CHAPTERS = slides.chapter_docnames()


def test_every_chapter_in_the_toc_is_a_deck():
    names = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
    assert sorted(c.split("/")[-1] for c in CHAPTERS) == names


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_marks_figures_and_exercises_for_its_slides(docname):
    marks = slides.read_marks(ROOT / f"{docname}.ipynb")
    assert 2 <= marks.code_cells <= 8
    assert 1 <= len(marks.exercises) <= 2  # one or two, to do in class
    assert len(set(marks.exercises)) == len(marks.exercises)


def test_reveal_js_ships_in_a_package():
    root = slides.reveal_root()
    for name in slides.REVEAL_FILES:
        assert (root / name).is_file(), name
    assert "reveal.js 5" in (root / "dist" / "reveal.js").read_text(encoding="utf-8")[:200]


def notebook(tmp_path, cells):
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    return path


def code(tags):
    return {"cell_type": "code", "metadata": {"tags": tags}, "source": "f()\n", "outputs": []}


def markdown(source, **meta):
    return {"cell_type": "markdown", "metadata": meta, "source": source}


EXERCISE = "````{exercise}\n:label: ex-a-1\n\nDo it.\n````\n"


def test_read_marks_counts_tagged_code_and_named_exercises(tmp_path):
    path = notebook(tmp_path, [code(["slide"]), code([]), code(["hide-input", "slide"]),
                               markdown(EXERCISE, slides={"exercises": ["ex-a-1"]})])
    marks = slides.read_marks(path)
    assert marks.code_cells == 2 and marks.exercises == ["ex-a-1"]


@pytest.mark.parametrize("cells, message", [
    ([markdown("Text", tags=["slide"])], "code cells only"),
    ([code(["remove-cell", "slide"])], "remove-cell"),
    ([markdown(EXERCISE, slides={"exercises": ["ex-a-2"]})], "'ex-a-2'"),
])
def test_read_marks_rejects_marks_it_cannot_honour(tmp_path, cells, message):
    with pytest.raises(slides.SlidesError, match=message):
        slides.read_marks(notebook(tmp_path, cells))


PAGE = """<html><body><article>
<section id="a-chapter"><h1><span class="section-number">7. </span>A chapter<a class="headerlink"
 href="#a-chapter">#</a></h1>
<p>The opening paragraph, with a <a href="../glossary.html#term-kernel">kernel</a>.</p>
<p><strong>Learning objectives.</strong> After this chapter you can</p>
<ul><li><p>do one thing;</p></li><li><p>do another.</p></li></ul>
<section id="part"><h2>A part<a class="headerlink" href="#part">#</a></h2>
<p>Before the figure.</p>
<div class="cell tag_hide-input tag_slide docutils container"><div class="cell_output">
<figure id="fig-a"><img alt="A grid." loading="lazy" src="../_images/abc.png"/>
<figcaption><p><span class="caption-number">Fig. 7.1 </span>A grid.</p></figcaption>
</figure></div></div>
<p>After the figure.</p>
<div class="cell docutils container"><div class="cell_output">not a slide</div></div>
</section>
<section id="summary"><h2>Summary</h2><ul><li><p>It works.</p></li></ul></section>
<section id="exercises"><h2>Exercises</h2>
<div class="exercise admonition" id="ex-a-1"><p class="admonition-title">
<span class="caption-number">Exercise 7.1 </span></p><section id="exercise-content">
<p>Do it.</p><p>To check your answer in a running notebook:</p>
<div class="highlight-python"><pre>check("ex-a-1", answer)</pre></div></section></div>
<div class="solution dropdown admonition" id="sol-1"><p class="admonition-title">Solution to
<a class="reference internal" href="#ex-a-1">Exercise 7.1</a></p>
<section id="solution-content"><p>It is 42.</p></section></div>
</section></section></article></body></html>"""


def test_cut_deck_takes_each_part_from_the_page(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(PAGE, encoding="utf-8")
    deck = slides.cut_deck(tmp_path, "chapters/a", slides.Marks(1, ["ex-a-1"]))
    assert (deck.number, deck.title) == ("7", "A chapter")
    kinds = [s.kind for s in deck.slides]
    assert kinds == ["title", "objectives", "figure", "exercise", "summary"]
    objectives, figure, exercise = deck.slides[1], deck.slides[2], deck.slides[3]
    assert "do one thing" in objectives.body and "opening paragraph" in objectives.notes
    assert "<a " not in objectives.notes  # links to the book become text
    assert figure.title == "A part"
    assert 'src="_images/abc.png"' in figure.body and "loading" not in figure.body
    assert "Fig. 7.1" in figure.body
    assert "Before the figure." in figure.notes and "After the figure." in figure.notes
    assert deck.images == {"abc.png": "../_images/abc.png"}
    assert exercise.title == "Exercise 7.1" and "Do it." in exercise.body
    assert "check(" not in exercise.body and "running notebook" not in exercise.body
    assert "It is 42." in exercise.notes
    assert "It works." in deck.slides[-1].body


def test_cut_deck_fails_when_the_page_and_the_notebook_disagree(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(PAGE, encoding="utf-8")
    with pytest.raises(slides.SlidesError, match="rebuild the book"):
        slides.cut_deck(tmp_path, "chapters/a", slides.Marks(2, ["ex-a-1"]))
    with pytest.raises(slides.SlidesError, match="no exercise 'ex-a-9'"):
        slides.cut_deck(tmp_path, "chapters/a", slides.Marks(1, ["ex-a-9"]))
    with pytest.raises(slides.SlidesError, match="build the book first"):
        slides.cut_deck(tmp_path, "chapters/missing", slides.Marks(1, ["ex-a-1"]))


# A player cell as the book's extension leaves it (_ext/players.py): the shared module and
# stylesheet referenced once, at the page's first player (here not on a slide), then data only.
PLAYER_CELL = """<div class="cell tag_slide docutils container"><div class="cell_output">
<div class="output text_html"><div class="tconv-widget" data-tconv-module="abc">
<script type="application/json" class="tconv-data">{"kind": "chooser", "note": "Dark: many."}
</script><script>boot()</script></div></div></div></div>"""
FIRST_PLAYER = """<div class="cell docutils container"><div class="cell_output">
<div class="output text_html"><div class="tconv-widget" data-tconv-module="abc">
<link rel="stylesheet" href="../_static/tconv/player-def.css">
<script type="application/json" class="tconv-data">{"kind": "frames"}</script>
<script src="../_static/tconv/player-abc.js"></script><script>boot()</script></div></div></div>
</div>"""


def player_page(first: str) -> str:
    return PAGE.replace('<p>After the figure.</p>', f"{first}{PLAYER_CELL}<p>After.</p>")


def test_cut_deck_loads_the_players_module_once_from_the_deck_folder(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(player_page(FIRST_PLAYER), encoding="utf-8")
    deck = slides.cut_deck(tmp_path, "chapters/a", slides.Marks(2, ["ex-a-1"]))
    player = deck.slides[3]
    assert player.kind == "player" and "↑ ↓" in player.body  # a chooser's hint
    assert "data-tconv-module" in player.body and "_static" not in player.body
    assert "On screen: Dark: many." in player.notes
    assert deck.assets == {"player-abc.js": "../_static/tconv/player-abc.js",
                           "player-def.css": "../_static/tconv/player-def.css"}
    head = slides.render_deck(deck).split("</head>")[0]
    assert '<script src="_tconv/player-abc.js">' in head
    assert '<link rel="stylesheet" href="_tconv/player-def.css">' in head


def test_cut_deck_finds_the_players_stylesheet_inside_the_pages_one_stylesheet(tmp_path):
    """The book links one bundle of stylesheets (_ext/one_stylesheet.py); its first line lists
    the files it was made of, the players' among them."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "bundle-0123.css").write_text(
        '@charset "UTF-8"; /* bundle of: basic.css tconv/player-def.css */\n', encoding="utf-8")
    first = FIRST_PLAYER.replace('<link rel="stylesheet" href="../_static/tconv/player-def.css">',
                                 "")
    page = player_page(first).replace(
        "<html><body>", '<html><head><link rel="stylesheet" href="../_static/bundle-0123.css">'
        "</head><body>")
    (tmp_path / "chapters" / "a.html").write_text(page, encoding="utf-8")
    deck = slides.cut_deck(tmp_path, "chapters/a", slides.Marks(2, ["ex-a-1"]))
    assert deck.assets == {"player-abc.js": "../_static/tconv/player-abc.js",
                           "player-def.css": "../_static/tconv/player-def.css"}
    # without the players' stylesheet the deck would show them unstyled: refused
    (tmp_path / "_static" / "bundle-0123.css").write_text(
        '@charset "UTF-8"; /* bundle of: basic.css */\n', encoding="utf-8")
    with pytest.raises(slides.SlidesError, match="no players' stylesheet"):
        slides.cut_deck(tmp_path, "chapters/a", slides.Marks(2, ["ex-a-1"]))


def test_cut_deck_fails_when_a_player_has_no_module(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(player_page(""), encoding="utf-8")
    with pytest.raises(slides.SlidesError, match="loads no players' module"):
        slides.cut_deck(tmp_path, "chapters/a", slides.Marks(2, ["ex-a-1"]))


# --- the Chinese edition's decks (issue 16) ------------------------------------------------

def test_every_edition_has_every_deck_word():
    english = slides.DECK_WORDS["en"]
    for lang, words in slides.DECK_WORDS.items():
        assert set(words) == set(english), lang
        assert set(words["controls"]) == set(english["controls"]), lang


CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters"


def chapter_catalog(docname):
    from tconv.show import text
    return text.read_po(CATALOGS / f"{docname.split('/')[-1]}.po")


@pytest.mark.parametrize("docname", CHAPTERS)
def test_the_chinese_deck_reads_the_words_the_chinese_chapter_is_built_with(docname):
    """What the deck looks for in a Chinese page is what the chapter's catalog translates the
    English into: the objectives' bold lead, the Summary heading, every exercise sentence that
    introduces an answer check in a running notebook (so none reaches a slide)."""
    words = slides.DECK_WORDS["zh"]
    english = slides.DECK_WORDS["en"]
    entries = chapter_catalog(docname)
    leads = [e.msgstr[0] for e in entries if e.msgid.startswith(f"**{english['objectives']}")]
    assert leads, "the catalog has no learning objectives"
    for lead in leads:
        bold = lead.split("**")[1]
        assert bold.rstrip(".。") == words["objectives"], lead
    assert [e.msgstr[0] for e in entries if e.msgid == english["summary"]] == [words["summary"]]
    checks = [e for e in entries if english["check_sentence"].search(e.msgid)]
    for entry in checks:
        assert words["check_sentence"].search(entry.msgstr[0]), entry.msgstr[0]


ZH_PAGE = (PAGE.replace("<html>", '<html lang="zh-CN">')
           .replace("<strong>Learning objectives.</strong> After this chapter you can",
                    "<strong>学习目标。</strong> 学完本章，你能够")
           .replace("<h2>Summary</h2>", "<h2>小结</h2>")
           .replace("Exercise 7.1", "练习 7.1")
           .replace("<p>Do it.</p><p>To check your answer in a running notebook:</p>",
                    "<p>做一做。</p><p>你的答案：一个数。要在运行中的 notebook 里检查：</p>")
           .replace("Solution to", "解答"))


def test_a_chinese_page_gives_a_deck_in_chinese(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(ZH_PAGE, encoding="utf-8")
    deck = slides.cut_deck(tmp_path, "chapters/a", slides.Marks(1, ["ex-a-1"]))
    assert deck.lang == "zh"  # from the page's <html lang>
    titles = [s.title for s in deck.slides]
    assert titles == ["A chapter", "学习目标", "A part", "练习 7.1", "小结"]
    assert deck.slides[0].body == "第 7 章"
    exercise = deck.slides[3]
    assert "你的答案：一个数。" in exercise.body and "运行中的" not in exercise.body
    assert "check(" not in exercise.body and "<strong>解答。</strong>" in exercise.notes
    page = slides.render_deck(deck)
    assert '<html lang="zh-Hans"' in page
    assert "<title>第 7 章：A chapter · 幻灯片 · 解密转置卷积</title>" in page
    assert 'aria-label="第 7 章：A chapter，幻灯片"' in page
    assert "上一张幻灯片" in page  # reveal.js's arrows, labelled by deck.js
    # none of the English deck's own words is left
    for english in ("lecture slides", "Keys:", "speaker view", "Text and figures", "· slides",
                    "Chapter", "previous slide", "Solution"):
        assert english not in page, english


def test_a_long_list_goes_on_numbered_slides_in_the_decks_language(tmp_path):
    (tmp_path / "chapters").mkdir()
    many = "".join(f"<li><p>{'做一件很长的事情。' * 12}{n}</p></li>" for n in range(12))
    page = ZH_PAGE.replace("<li><p>do one thing;</p></li><li><p>do another.</p></li>", many)
    (tmp_path / "chapters" / "a.html").write_text(page, encoding="utf-8")
    deck = slides.cut_deck(tmp_path, "chapters/a", slides.Marks(1, ["ex-a-1"]))
    objectives = [s.title for s in deck.slides if s.kind == "objectives"]
    assert len(objectives) >= 2 and objectives[0] == f"学习目标（1/{len(objectives)}）"


@pytest.mark.parametrize("lang, edition", [(None, "en"), ("en", "en"), ("en-GB", "en"),
                                           ("zh-CN", "zh"), ("zh_CN", "zh"), ("zh-Hans", "zh")])
def test_the_pages_html_lang_names_the_edition(lang, edition):
    assert slides.edition_of(lang) == edition
