"""Lecture slides: one reveal.js deck per chapter, cut out of the built book (`make slides`).

A deck is made of what the chapter itself computed and wrote, taken from the chapter's built
page (so a figure, a number or a player in a slide is the one the book shows, from the same
execution: nothing is run again):

1. a title slide (the chapter's number and title, and where to read it);
2. the chapter's learning objectives; speaker notes: its opening paragraphs;
3. one slide per code cell tagged ``slide`` in the notebook, in the chapter's order: its
   output (a figure with its number and caption, or a step-by-step player), titled by the
   section it sits in; speaker notes: the chapter's prose around that cell;
4. one slide per exercise named in a markdown cell's ``slides: {exercises: [...]}``
   metadata, to do in class; speaker notes: the worked solution;
5. the chapter's summary; speaker notes: where the next chapter goes.

A list too long for one slide (objectives, summary) goes on as many slides as it needs.

Each edition of the book gets its own decks, in its own language: the English ones cut from
``_build/html`` into ``_build/html/slides/``, the Chinese ones (issue 16) from the Chinese
pages in ``_build/html/zh`` into ``_build/html/zh/slides/``. The pages are read by the words
they are built with (the bold "Learning objectives" lead, an exercise's check-in-a-notebook
sentence) and the deck writes its own words (title slide, slide titles, hints, speaker-note
labels) from one table per language, ``DECK_WORDS``; the edition is the pages' ``<html
lang>`` unless ``--lang`` names it.

Each deck is one HTML file in the output folder (``<chapter>.html`` beside the book, so the
instructors' page of that edition links them), with reveal.js 5 as the
``sphinx-revealjs`` wheel ships it, the deck's own stylesheet and script (``slides/``), the
figures it shows and the players' shared module and stylesheet (``_tconv/``, loaded in the
deck's head as ``_ext/players.py`` loads them in a page; each player's own boot script then
draws it from its data), all inside that folder: no CDN, no kernel, and the folder can be copied to
a laptop and opened from disk. ``.gz``/``.br`` copies are written as the book's build writes
them (``_ext/precompress.py``).

    python scripts/slides.py --html _build/html            # writes _build/html/slides/
    python scripts/slides.py --html _build/html/zh         # writes _build/html/zh/slides/
    python scripts/slides.py --html _build/html --out DIR  # elsewhere
"""

from __future__ import annotations

import argparse
import copy
import functools
import html
import importlib.util
import json
import re
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "slides"  # the deck's stylesheet and script
SLIDE_TAG = "slide"  # a code cell with this tag becomes a slide
STEPPERS = ("frames", "editable")  # players' data kinds stepped by ← → (tconv.show.player)
PLAYER_ASSET = re.compile(r"(?:^|/)_static/tconv/(player-\w+\.(?:js|css))$")
BUNDLE = re.compile(r"(?:^|/)_static/bundle-\w+\.css$")  # the pages' one stylesheet
PLAYER_FOLDER = "_tconv"  # the players' shared module and stylesheet, inside the deck folder
METADATA_KEY = "slides"  # markdown cell metadata: {"slides": {"exercises": [labels]}}
CHECK_CALL = re.compile(r"\bcheck\(\s*[\"']ex-")  # tconv.book.exercises.check("ex-...", ...)
# reveal.js files a deck loads, relative to the package's revealjs folder
REVEAL_FILES = ("dist/reset.css", "dist/reveal.css", "dist/reveal.js",
                "dist/theme/white-contrast.css", "plugin/notes/notes.js", "LICENSE")
REVEAL_DIRS = ("dist/theme/fonts/source-sans-pro",)


# The deck's own words, per edition. "objectives" and "check_sentence" are also how the
# chapter's page says them (read from the built pages: the bold lead of the objectives'
# paragraph, e.g. the catalogs' "**学习目标。** 学完本章，你能够"; the sentence before an
# exercise's answer check); the rest is written by the deck. "part" numbers the slides of a
# list too long for one.
DECK_WORDS = {
    "en": {
        "html_lang": "en",
        "book": "Transposed Convolution, Demystified",
        "objectives": "Learning objectives",
        "summary": "Summary",
        "exercise": "Exercise",
        "part": "{title} ({n}/{m})",
        "chapter": "Chapter {number}",
        "label": "Chapter {number}: {title}",
        "page_title": "{label} · slides · {book}",
        "aria": "{label}, slides",
        "lecture_slides": "{book} · lecture slides",
        "read_it": ("The chapter: {link}. Keys: → / Space next, ← back, S speaker notes, "
                    "Esc overview, ? all keys."),
        "licence": "Text and figures CC BY 4.0, code MIT.",
        "title_notes": ("Press S for this speaker view; each slide's notes are the chapter's "
                        "own words around what the slide shows."),
        "hint_step": "Tab to the player, then ← → step it, Home/End jump",
        "hint_choose": "Tab to a control, then ↑ ↓ or type to change it",
        "hint_leave": "{hint}; Esc returns to the slides.",
        "on_screen": "On screen: {text}",
        "solution": "Solution.",
        "next": "Next: chapter {number}, {title}.",
        # reveal.js's own controls (deck.js labels them)
        "controls": {"navigate-left": "previous slide", "navigate-right": "next slide",
                     "navigate-up": "above slide", "navigate-down": "below slide"},
        # reveal.js's own words in its help overlay (?) and jump box (G): its own English
        "help": {},
        "check_sentence": re.compile(r"To check [^.:]*in a running notebook"),
    },
    "zh": {
        "html_lang": "zh-Hans",
        "book": "解密转置卷积",
        "objectives": "学习目标",
        "summary": "小结",
        "exercise": "练习",
        "part": "{title}（{n}/{m}）",
        "chapter": "第 {number} 章",
        "label": "第 {number} 章：{title}",
        "page_title": "{label} · 幻灯片 · {book}",
        "aria": "{label}，幻灯片",
        "lecture_slides": "{book} · 课堂幻灯片",
        "read_it": ("本章正文：{link}。按键：→ 或空格键前进，← 后退，S 演讲者视图，Esc 总览，"
                    "? 列出所有按键。"),
        "licence": "正文和图采用 CC BY 4.0 许可，代码采用 MIT 许可。",
        "title_notes": ("按 S 打开这个演讲者视图；每张幻灯片的备注都是本章原文中"
                        "讲解该页内容的文字。"),
        "hint_step": "按 Tab 移到播放器，再用 ← → 逐步播放，Home/End 跳到首尾",
        "hint_choose": "按 Tab 移到控件，再用 ↑ ↓ 或直接输入来更改",
        "hint_leave": "{hint}；按 Esc 回到幻灯片。",
        "on_screen": "画面说明：{text}",
        "solution": "解答。",
        "next": "下一章：第 {number} 章，{title}。",
        "controls": {"navigate-left": "上一张幻灯片", "navigate-right": "下一张幻灯片",
                     "navigate-up": "上方的幻灯片", "navigate-down": "下方的幻灯片"},
        "help": {"Keyboard Shortcuts": "键盘快捷键", "KEY": "按键", "ACTION": "作用",
                 "Next slide": "下一张幻灯片", "Previous slide": "上一张幻灯片",
                 "Navigate left": "向左", "Navigate right": "向右", "Navigate up": "向上",
                 "Navigate down": "向下", "Navigate without fragments": "整张翻页（不逐条显示）",
                 "Jump to first/last slide": "跳到第一张或最后一张", "Pause": "暂停（黑屏）",
                 "Slide overview": "幻灯片总览", "Speaker notes view": "演讲者视图",
                 "Fullscreen": "全屏",
                 "Jump to slide": "跳到第几张"},
        # "要在运行中的 notebook 里检查：", "在运行中的 notebook 里这样检查：", ...
        "check_sentence": re.compile(r"要?在运行中的 notebook 里"),
    },
}


def edition_of(lang: str | None) -> str:
    """The DECK_WORDS key of an ``<html lang>`` ("en", "zh-CN", "zh-Hans" ...)."""
    return "zh" if (lang or "en").lower().replace("_", "-").startswith("zh") else "en"


def page_language(html_dir: Path, docname: str) -> str:
    """The edition a built page is in, from its ``<html lang>``."""
    page = html_dir / f"{docname}.html"
    if not page.is_file():
        raise SlidesError(f"{page} does not exist: build the book first (make book)")
    found = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", page.read_text(encoding="utf-8")[:2000])
    return edition_of(found.group(1) if found else None)


def numbered(words: dict, title: str, n: int, m: int) -> str:
    return words["part"].format(title=title, n=n, m=m) if m > 1 else title


class SlidesError(Exception):
    """A chapter's slide markings do not match its built page."""


def reveal_root() -> Path:
    """reveal.js as the sphinx-revealjs wheel ships it (found without importing Sphinx)."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise SlidesError("sphinx-revealjs is not installed (it ships reveal.js): "
                          "run `make venv`")
    root = Path(next(iter(spec.submodule_search_locations))) / "_static" / "revealjs"
    if not (root / "dist" / "reveal.js").is_file():
        raise SlidesError(f"no reveal.js under {root}")
    return root


def chapter_docnames(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """The chapters (``chapters/*``) in table-of-contents order."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node and str(node["file"]).startswith("chapters/"):
                found.append(str(Path(str(node["file"])).with_suffix("")))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)

    walk(yaml.safe_load(toc_path.read_text(encoding="utf-8")))
    return found


@dataclass
class Marks:
    """What a notebook marks for its slides."""

    code_cells: int  # code cells tagged `slide`
    exercises: list[str] = field(default_factory=list)  # exercise labels, in order


def read_marks(notebook: Path) -> Marks:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    count, exercises = 0, []
    for cell in cells:
        meta = cell.get("metadata", {})
        if SLIDE_TAG in meta.get("tags", []):
            if cell["cell_type"] != "code":
                raise SlidesError(f"{notebook.name}: the tag {SLIDE_TAG!r} marks code cells "
                                  "only (a markdown cell names its exercises in metadata)")
            if "remove-cell" in meta.get("tags", []):
                raise SlidesError(f"{notebook.name}: a cell tagged remove-cell has no output "
                                  f"in the book, so it cannot be tagged {SLIDE_TAG!r}")
            count += 1
        labels = meta.get(METADATA_KEY, {}).get("exercises", [])
        source = "".join(cell.get("source", []))
        for label in labels:
            if not re.search(rf"^:label:\s*{re.escape(label)}\s*$", source, re.M):
                raise SlidesError(f"{notebook.name}: metadata names exercise {label!r}, "
                                  "which is not in that cell")
        exercises.extend(labels)
    return Marks(count, exercises)


# --- cutting the page --------------------------------------------------------------------


def text_of(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def heading_text(heading: Tag) -> str:
    heading = copy.copy(heading)
    for link in heading.select("a.headerlink"):
        link.decompose()
    return text_of(heading)


def section_title(node: Tag) -> str:
    section = node.find_parent("section")
    while section is not None:
        heading = section.find(re.compile("^h[1-6]$"), recursive=False)
        if heading is not None:
            return heading_text(heading)
        section = section.find_parent("section")
    return ""


def clean(fragment: Tag, images: dict[str, str]) -> Tag:
    """A copy of part of the page, fit for a slide: links to the book become plain text
    (the deck stands alone), figures point at the deck's own copies, nothing lazy."""
    fragment = copy.copy(fragment)
    for link in fragment.select("a.headerlink"):
        link.decompose()
    for link in fragment.find_all("a"):
        link.unwrap()
    for ref in fragment.select("script[src], link[href]"):
        if PLAYER_ASSET.search(ref.get("src") or ref.get("href") or ""):
            ref.decompose()
    for img in fragment.find_all("img"):
        src = img.get("src", "")
        if not src.startswith(("data:", "http:", "https:")):
            name = Path(src.split("?")[0]).name
            images[name] = src
            img["src"] = f"_images/{name}"
        for attr in ("loading", "srcset", "decoding"):
            if attr in img.attrs:
                del img[attr]
    return fragment


def prose_around(cell: Tag, limit: int = 3) -> list[Tag]:
    """What the chapter says about a cell: the nearest run of paragraphs, lists and displayed
    formulas before it and the one after it, in its own section (other cells skipped), at
    most ``limit`` items each side."""
    def is_prose(node) -> bool:
        return isinstance(node, Tag) and (node.name in ("p", "ul", "ol", "dl") or
                                          "math" in (node.get("class") or []))

    def run(nodes) -> list[Tag]:
        found = []
        for node in nodes:
            if not isinstance(node, Tag):
                continue
            if node.name == "section" or re.fullmatch(r"h[1-6]", node.name):
                break
            if is_prose(node):
                found.append(node)
                if len(found) == limit:
                    break
            elif found:  # the run has ended
                break
        return found

    return list(reversed(run(cell.previous_siblings))) + run(cell.next_siblings)


@dataclass
class Slide:
    title: str
    body: str  # HTML
    notes: str = ""  # HTML
    kind: str = "content"  # title, objectives, figure, player, exercise, summary


def notes_html(nodes: list[Tag], images: dict[str, str]) -> str:
    return "\n".join(str(clean(node, images)) for node in nodes)


OPENING_PARAGRAPHS = 3


def objectives_slides(article: Tag, images: dict[str, str], docname: str,
                      words: dict = DECK_WORDS["en"]) -> list[Slide]:
    lead = next((strong for strong in article.find_all("strong")
                 if text_of(strong).rstrip(".。") == words["objectives"]), None)
    if lead is None or lead.parent.name != "p":
        raise SlidesError(f"{docname}: no paragraph starting **{words['objectives']}.**")
    paragraph = lead.parent
    items = paragraph.find_next_sibling(["ul", "ol"])
    if items is None:
        raise SlidesError(f"{docname}: the learning objectives have no list")
    intro = copy.copy(paragraph)
    intro.find("strong").decompose()
    # the chapter's opening: its paragraphs before the first section, before or after these
    opening = [p for p in paragraph.parent.find_all("p", recursive=False)
               if p is not paragraph][:OPENING_PARAGRAPHS]
    if not opening:  # the objectives open the chapter: the first section's opening, then
        first = paragraph.parent.find("section")
        opening = first.find_all("p", recursive=False)[:OPENING_PARAGRAPHS] if first else []
    said = intro.decode_contents().strip()  # "After this chapter you can", where it is said
    lead_html = f'<p class="lead">{said}</p>\n' if text_of(intro) else ""
    parts = split_list(clean(items, images), LIST_BUDGET - text_width(text_of(intro)))
    return [Slide(numbered(words, words["objectives"], n, len(parts)),
                  lead_html + str(part), notes_html(opening, images), "objectives")
            for n, part in enumerate(parts, start=1)]


def cell_slide(cell: Tag, images: dict[str, str], docname: str,
               words: dict = DECK_WORDS["en"]) -> Slide:
    output = cell.select_one("div.cell_output")
    if output is None:
        raise SlidesError(f"{docname}: a cell tagged {SLIDE_TAG!r} has no output in the book")
    widget = output.select_one(".tconv-widget[data-tconv-module]")
    figure = output.select_one("figure")
    if widget is not None:  # drawn in the browser from its data by the players' module
        kind = "player"
        data_tag = widget.select_one("script.tconv-data")
        data = json.loads(data_tag.string) if data_tag is not None else {}
        html_output = output.select_one("div.output.text_html") or output
        body = "".join(str(clean(child, images)) for child in html_output.children)
        hint = words["hint_step" if data.get("kind") in STEPPERS else "hint_choose"]
        body += f'<p class="deck-hint">{words["hint_leave"].format(hint=hint)}</p>'
        note = data.get("note")
        legend = [BeautifulSoup(note, "lxml")] if note else []
    elif figure is not None:
        kind, legend = "figure", []
        body = str(clean(figure, images))
    else:
        kind, legend = "output", []
        body = str(clean(output, images))
    notes = notes_html(prose_around(cell), images)
    if kind == "player":  # its legend is hidden on the slide (deck.css): the presenter says it
        notes += "".join(f"<p>{html.escape(words['on_screen'].format(text=text_of(note)))}</p>"
                         for note in legend)
    return Slide(section_title(cell), body, notes, kind)


def drop_sentence(paragraph: Tag, pattern: re.Pattern) -> None:
    """Remove the sentence matching ``pattern`` (and all after it) from a paragraph; the
    whole paragraph when that is all it says."""
    if pattern.match(text_of(paragraph)):
        paragraph.decompose()
        return
    for string in paragraph.find_all(string=True):
        found = pattern.search(string)
        if found is None:
            continue
        for later in list(string.next_siblings):
            later.extract()
        string.replace_with(string[:found.start()].rstrip())
        return


def exercise_slide(article: Tag, label: str, images: dict[str, str], docname: str,
                   words: dict = DECK_WORDS["en"]) -> Slide:
    box = article.find("div", id=label)
    if box is None or "exercise" not in (box.get("class") or []):
        raise SlidesError(f"{docname}: no exercise {label!r} in the built page")
    number = box.select_one(".caption-number")
    title = text_of(number) if number else words["exercise"]
    content = clean(box.select_one("section"), images)
    # How to check an answer in a running notebook is for the page, not the room: the code
    # that calls the checker goes, and so does the sentence (or paragraph) that introduces it.
    for block in content.select("div[class*=highlight]"):
        if CHECK_CALL.search(block.get_text()):
            block.decompose()
    for paragraph in content.find_all("p"):
        drop_sentence(paragraph, words["check_sentence"])
    for section in content.find_all("section"):
        section.unwrap()
    solution = next((div for div in article.select("div.solution")
                     if div.select_one(f'a[href="#{label}"]')), None)
    notes = ""
    if solution is not None:
        solved = clean(solution.select_one("section") or solution, images)
        notes = (f"<p><strong>{html.escape(words['solution'])}</strong></p>\n"
                 + solved.decode_contents())
    return Slide(title, content.decode_contents(), notes, "exercise")


# List text that fits on one slide at the deck's 32 px, in Latin characters' widths: 11 lines
# of 95 (set so in Chromium, the English decks' lists split as they did when counted in plain
# characters, and no Chinese one runs off its slide). An item starts a new line, so it takes
# whole lines.
LIST_BUDGET = 1050
LINE = 95
WIDE = 2.4  # a Chinese character (East Asian wide or full-width) is 1 em wide: ~2.4 Latin ones


def text_width(text: str) -> float:
    """The length of a text in Latin characters' widths."""
    return sum(WIDE if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def item_size(item: Tag) -> float:
    """The room a list item takes: its text's width, in whole lines."""
    return -(-text_width(text_of(item)) // LINE) * LINE


def split_list(items: Tag, budget: int = LIST_BUDGET) -> list[Tag]:
    """A long list as several shorter ones of about equal length, whole items each, in order."""
    entries = items.find_all("li", recursive=False)
    total = sum(item_size(item) for item in entries)
    count = max(1, int(-(-total // max(budget, 1))))  # slides needed
    target = total / count
    parts: list[list[Tag]] = [[]]
    used = 0
    for item in entries:
        size = item_size(item)
        if parts[-1] and len(parts) < count and used + size / 2 > target:
            parts.append([])
            used = 0
        parts[-1].append(item)
        used += size
    lists = []
    for group in parts:
        part = copy.copy(items)
        part.clear()
        for item in group:
            part.append(copy.copy(item))
        lists.append(part)
    return lists


def summary_slides(article: Tag, images: dict[str, str], docname: str,
                   words: dict = DECK_WORDS["en"]) -> list[Slide]:
    section = article.find("section", id="summary")  # the English id, in every edition
    items = section.find(["ul", "ol"]) if section is not None else None
    if items is None:
        raise SlidesError(f"{docname}: no Summary section with a list")
    parts = split_list(clean(items, images))
    return [Slide(numbered(words, words["summary"], n, len(parts)), str(part), "", "summary")
            for n, part in enumerate(parts, start=1)]


@dataclass
class Deck:
    docname: str
    title: str
    number: str
    slides: list[Slide]
    images: dict[str, str]  # file name -> src in the page
    assets: dict[str, str] = field(default_factory=dict)  # players' module/stylesheet -> src
    lang: str = "en"  # the DECK_WORDS key

    @property
    def words(self) -> dict:
        return DECK_WORDS[self.lang]

    @property
    def name(self) -> str:
        return Path(self.docname).name


def bundled(page: Path, src: str) -> list[str]:
    """``src`` as the page references it, or, for the book's one stylesheet (a bundle made by
    _ext/one_stylesheet.py), the files it was made of, referenced from the page."""
    path = src.split("?")[0]
    if not BUNDLE.search(path):
        return [src]
    folder = path.rsplit("/", 1)[0]
    sources = book_extension("one_stylesheet").bundle_sources(page.parent / path)
    return [f"{folder}/{name}" for name in sources]


@functools.cache
def book_extension(name: str):
    """One of the book's Sphinx extensions (``_ext/``), for the functions it shares."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cut_deck(html_dir: Path, docname: str, marks: Marks, lang: str | None = None) -> Deck:
    """The deck of one chapter, in the page's language (or ``lang``, a DECK_WORDS key)."""
    page = html_dir / f"{docname}.html"
    if not page.is_file():
        raise SlidesError(f"{page} does not exist: build the book first (make book)")
    lang = lang or page_language(html_dir, docname)
    words = DECK_WORDS[lang]
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
    article = soup.select_one("article") or soup.body
    h1 = article.find("h1")
    number_span = h1.select_one(".section-number") if h1 is not None else None
    number = text_of(number_span).rstrip(".") if number_span else ""
    if number_span is not None:
        h1 = copy.copy(h1)
        h1.select_one(".section-number").decompose()
    title = heading_text(h1) if h1 is not None else docname
    images: dict[str, str] = {}
    cells = article.select(f"div.cell.tag_{SLIDE_TAG}")
    if len(cells) != marks.code_cells:
        raise SlidesError(f"{docname}: {marks.code_cells} cells tagged {SLIDE_TAG!r} in the "
                          f"notebook, {len(cells)} in the built page: rebuild the book")
    if not cells:
        raise SlidesError(f"{docname}: no code cell is tagged {SLIDE_TAG!r}")
    if not marks.exercises:
        raise SlidesError(f"{docname}: no exercise is marked for the slides")
    kicker = words["chapter"].format(number=number) if number else ""
    slides = [Slide(title, "", "", "title")]
    slides.extend(objectives_slides(article, images, docname, words))
    slides.extend(cell_slide(cell, images, docname, words) for cell in cells)
    slides.extend(exercise_slide(article, label, images, docname, words)
                  for label in marks.exercises)
    slides.extend(summary_slides(article, images, docname, words))
    slides[0].body = kicker
    assets: dict[str, str] = {}
    if any(slide.kind == "player" for slide in slides):
        # the page references the players' shared files once, at its first player (which
        # need not be on a slide): the deck loads them in its head, before any player boots
        for ref in soup.select("script[src], link[href]"):
            for src in bundled(page, ref.get("src") or ref.get("href")):
                found = PLAYER_ASSET.search(src)
                if found:
                    assets[found.group(1)] = src
        for suffix, what in ((".js", "module"), (".css", "stylesheet")):
            if not any(name.endswith(suffix) for name in assets):
                raise SlidesError(f"{docname}: a slide shows a player, but the page loads no "
                                  f"players' {what} (_static/tconv/player-*{suffix})")
    return Deck(docname, title, number, slides, images, assets, lang)


# --- writing -----------------------------------------------------------------------------


def render_slide(slide: Slide, deck: Deck) -> str:
    words = deck.words
    if slide.kind == "title":
        kicker = f'<p class="deck-kicker">{html.escape(slide.body)}</p>' if slide.body else ""
        link = f'<a href="../{deck.docname}.html">{html.escape(deck.title)}</a>'
        read_it = html.escape(words["read_it"]).replace("{link}", link)
        body = (f'{kicker}<h1>{html.escape(slide.title)}</h1>'
                f'<p class="deck-book">'
                f'{html.escape(words["lecture_slides"].format(book=words["book"]))}</p>'
                f'<p class="deck-small">{read_it}</p>'
                f'<p class="deck-small">{html.escape(words["licence"])}</p>')
        notes = f"<p>{html.escape(words['title_notes'])}</p>"
        return (f'<section class="deck-title" data-kind="title">{body}'
                f'<aside class="notes">{notes}</aside></section>')
    heading = f"<h2>{html.escape(slide.title)}</h2>" if slide.title else ""
    notes = f'<aside class="notes">{slide.notes}</aside>' if slide.notes else ""
    return (f'<section class="deck-{slide.kind}" data-kind="{slide.kind}">{heading}'
            f'<div class="deck-body">{slide.body}</div>{notes}</section>')


def render_deck(deck: Deck) -> str:
    words = deck.words
    label = (words["label"].format(number=deck.number, title=deck.title) if deck.number
             else deck.title)
    title = words["page_title"].format(label=label, book=words["book"])
    controls = html.escape(json.dumps(words["controls"], ensure_ascii=False))
    help_words = html.escape(json.dumps(words["help"], ensure_ascii=False))
    sections = "\n".join(render_slide(slide, deck) for slide in deck.slides)
    # the players' stylesheet, and their module as a classic script (it works from file://),
    # as a book page loads them (_ext/players.py); each player's boot script then mounts it
    player_head = "".join(
        f'<link rel="stylesheet" href="{PLAYER_FOLDER}/{name}">\n' for name in sorted(deck.assets)
        if name.endswith(".css")) + "".join(
        f'<script src="{PLAYER_FOLDER}/{name}"></script>\n' for name in sorted(deck.assets)
        if name.endswith(".js"))
    return f"""<!DOCTYPE html>
<html lang="{words['html_lang']}" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="_reveal/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="_reveal/dist/reset.css">
<link rel="stylesheet" href="_reveal/dist/reveal.css">
<link rel="stylesheet" href="_reveal/dist/theme/white-contrast.css">
<link rel="stylesheet" href="deck.css">
{player_head}</head>
<body>
<div class="reveal" role="main" aria-label="{html.escape(words['aria'].format(label=label))}"
     data-control-labels="{controls}" data-help-words="{help_words}"><div class="slides">
{sections}
</div></div>
<script src="_reveal/dist/reveal.js"></script>
<script src="_reveal/plugin/notes/notes.js"></script>
<script src="deck.js"></script>
</body>
</html>
"""


def copy_reveal(out: Path) -> None:
    root = reveal_root()
    target = out / "_reveal"
    for name in REVEAL_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, target / name)
    for name in REVEAL_DIRS:
        shutil.copytree(root / name, target / name, dirs_exist_ok=True)
    favicon = ROOT / "_static" / "favicon.svg"
    if favicon.is_file():
        shutil.copyfile(favicon, target / "favicon.svg")
    for name in ("deck.css", "deck.js"):
        shutil.copyfile(ASSETS / name, out / name)


def precompress(out: Path) -> int:
    """The .gz/.br copies, as _ext/precompress.py writes them for the book."""
    module = book_extension("precompress")
    module.remove_orphans(out)
    work = module.stale_copies(out)
    return sum(module.write_copy(item) for item in work)


def build(html_dir: Path, out: Path, chapters_dir: Path = ROOT / "chapters",
          docnames: list[str] | None = None, compress: bool = True,
          lang: str | None = None) -> list[Path]:
    """Write one deck per chapter into ``out``, in ``lang`` (a DECK_WORDS key; default: the
    language the pages are built in); returns the deck files."""
    docnames = docnames or chapter_docnames()
    lang = lang or page_language(html_dir, docnames[0])
    decks = [(docname, read_marks(chapters_dir / f"{Path(docname).name}.ipynb"))
             for docname in docnames]
    written = []
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "_images", ignore_errors=True)  # no figure left from an older build
    (out / "_images").mkdir()
    shutil.rmtree(out / PLAYER_FOLDER, ignore_errors=True)
    copy_reveal(out)
    cut = [cut_deck(html_dir, docname, marks, lang) for docname, marks in decks]
    for index, deck in enumerate(cut):
        if index + 1 < len(cut):
            following = cut[index + 1]
            deck.slides[-1].notes = "<p>{}</p>".format(html.escape(deck.words["next"].format(
                number=following.number, title=following.title)))
        page = html_dir / f"{deck.docname}.html"
        for name, src in deck.images.items():
            source = (page.parent / src.split("?")[0]).resolve()
            shutil.copyfile(source, out / "_images" / name)
        for name, src in deck.assets.items():
            (out / PLAYER_FOLDER).mkdir(exist_ok=True)
            shutil.copyfile((page.parent / src).resolve(), out / PLAYER_FOLDER / name)
        target = out / f"{deck.name}.html"
        target.write_text(render_deck(deck), encoding="utf-8")
        written.append(target)
    if compress:
        precompress(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html",
                        help="the built book (default: _build/html)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the decks go (default: HTML/slides)")
    parser.add_argument("--lang", choices=sorted(DECK_WORDS), default=None,
                        help="the decks' language (default: the pages', from <html lang>)")
    args = parser.parse_args(argv)
    out = args.out or args.html / "slides"
    start = time.perf_counter()
    try:
        written = build(args.html, out, lang=args.lang)
    except SlidesError as error:
        print(f"slides: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} decks in {time.perf_counter() - start:.1f} s:")
    for path in written:
        print(f"    {path.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
