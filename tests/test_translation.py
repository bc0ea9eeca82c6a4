"""The Chinese edition's catalogs (issue 16): complete, faithful to the markup, drawable.

- Every document of the table of contents has its catalog, and so does tconv's figure strings.
- ``test_catalog_is_fully_translated`` fails for every catalog with an untranslated or fuzzy
  entry: it passes for a catalog once its translator has finished it (no expected failures).
- Every translated entry keeps what must not change: MyST roles and their targets, formulas,
  inline code, numbers, tconv's ``{names}``.
- tconv's message table looks messages up in the language set, and the CJK font matplotlib
  uses has every character the translated figure strings draw (no tofu boxes).
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from browser_support import toc_docnames
from tconv.show import text

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
TCONV_PO = ROOT / "lib" / "tconv" / "show" / "locales" / "zh_CN.po"


def catalog_paths() -> dict[str, Path]:
    found = {d: CATALOGS / f"{d}.po" for d in toc_docnames()}
    found["tconv"] = TCONV_PO
    return found


CATALOG_NAMES = list(catalog_paths())


@pytest.mark.parametrize("name", CATALOG_NAMES)
def test_every_document_has_a_catalog(name):
    path = catalog_paths()[name]
    assert path.is_file(), f"{path} is missing: run `scripts/i18n.py extract` and `update`"
    assert text.read_po(path), f"{path} has no entry"


@pytest.mark.parametrize("name", CATALOG_NAMES)
def test_catalog_is_fully_translated(name):
    """Fails until every entry of the catalog is translated and none is fuzzy."""
    entries = text.read_po(catalog_paths()[name])
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    empty = [e.msgid for e in entries if "fuzzy" not in e.flags and not e.translated]
    assert not fuzzy and not empty, (
        f"{name}: {len(empty)} of {len(entries)} entries untranslated, {len(fuzzy)} fuzzy; "
        f"first: {(empty + fuzzy)[0][:80]!r}")


# --- what a translation keeps ---------------------------------------------------------------

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
SHOWN_TEXT_ROLES = ("term", "ref", "doc", "numref")  # may show their own (translated) text


def _role_targets(message: str) -> Counter:
    """Each role with its target: ``{term}`步幅 <stride>``` and ``{term}`stride``` agree."""
    found = Counter()
    for role, body in ROLE.findall(message):
        target = re.search(r"<([^<>]+)>\s*$", body)
        if role in SHOWN_TEXT_ROLES and target:
            body = target.group(1)
        found[(role, body.strip())] += 1
    return found


def _without_roles(message: str) -> str:
    return ROLE.sub(" ", message)


def _math(message: str) -> Counter:
    return Counter(m.strip() for m in re.findall(r"\$\$?(.+?)\$\$?", _without_roles(message),
                                                re.S))


def _code(message: str) -> Counter:
    return Counter(re.findall(r"``?([^`]+)``?", _without_roles(message)))


def _numbers(message: str) -> Counter:
    rest = re.sub(r"\$\$?.+?\$\$?|`[^`]*`|\]\([^)]*\)", " ", _without_roles(message), flags=re.S)
    return Counter(re.findall(r"\d+(?:\.\d+)?", rest))


def _names(message: str) -> Counter:
    return Counter(re.findall(r"\{(\w+)\}", message))


def kept(entry) -> list[str]:
    """What ``entry``'s translation changed that it must keep (empty: all kept)."""
    source, problems = entry.msgid, []
    for form in entry.msgstr:
        checks = [("roles and their targets", _role_targets), ("formulas", _math),
                  ("inline code", _code), ("numbers", _numbers)]
        for what, found in checks:
            if found(source) != found(form):
                problems.append(f"{what}: {dict(found(source))} became {dict(found(form))}")
    return problems


@pytest.mark.parametrize("name", CATALOG_NAMES)
def test_translations_keep_roles_formulas_code_and_numbers(name):
    path = catalog_paths()[name]
    bad = []
    for entry in text.read_po(path):
        if not entry.translated:
            continue
        problems = kept(entry) if name != "tconv" else (
            [] if all(_names(entry.msgid) == _names(f) for f in entry.msgstr)
            else [f"{{names}} {dict(_names(entry.msgid))} changed"])
        bad += [f"{entry.msgid[:60]!r}: {p}" for p in problems]
    assert bad == [], "\n".join(bad)


def test_the_keep_check_sees_a_dropped_role_a_changed_number_and_a_lost_formula():
    entry = text.Entry("With {term}`stride` 2, $o = 5$ and `padding`.",
                       msgstr=["步幅为 3，o = 5，`padding`。"])
    problems = "\n".join(kept(entry))
    assert "roles" in problems and "numbers" in problems and "formulas" in problems
    fine = text.Entry(entry.msgid, msgstr=["{term}`步幅 <stride>` 为 2 时，$o = 5$，`padding`。"])
    assert kept(fine) == []


# --- tconv's message table ------------------------------------------------------------------


@pytest.fixture
def chinese():
    text.set_language("zh_CN")
    yield
    text.set_language("en")
    text.set_language(None)


def test_lookups_follow_the_language(chinese):
    assert text._("input image, {h}×{w}", h=4, w=5) == "输入图像，4×5"
    assert text.ngettext("{n} product", "{n} products", 3) == "3 个乘积"
    assert text.tr("input x (2×3)") == "输入 x（2×3）"  # a finished text, matched by pattern
    assert text.tr("not a message of the table") == "not a message of the table"
    text.set_language("en")
    assert text._("input image, {h}×{w}", h=4, w=5) == "input image, 4×5"
    assert text.ngettext("{n} product", "{n} products", 3) == "3 products"


def test_finished_texts_are_read_back_through_the_catalog(chinese):
    """tr reads texts made in English: a name used twice, a count's plural, maths left alone,
    lines put together from messages, and a message wrapped onto short lines."""
    assert text.tr("target y: 48×48") == "目标 y：48×48"  # {n}×{n}
    assert text.tr("target y: 48×24") == "target y: 48×24"  # not the same n twice
    assert text.tr("3 products") == "3 个乘积" != text.tr("3 product (or more)")
    assert text.tr("nearest\n30.23 dB") == "最近邻\n30.23 dB"
    assert text.tr("skip from the\nencoder\n512×64×64") == "来自编码器的跳跃连接\n512×64×64"
    assert text.tr("$\\mathdefault{10^{-2}}$") == "$\\mathdefault{10^{-2}}$"
    assert text.tr("one line\nand another") == "one line\nand another"


def test_a_bad_language_is_refused_by_name():
    with pytest.raises(ValueError, match="language must be one of"):
        text.set_language("fr")
    with pytest.raises(TypeError, match="language must be a string"):
        text.set_language(3)


def test_fuzzy_and_empty_entries_are_not_used(tmp_path, monkeypatch):
    (tmp_path / "zh_CN.po").write_text(
        'msgid ""\nmsgstr ""\n\n#, fuzzy\nmsgid "kernel"\nmsgstr "核"\n\n'
        'msgid "input"\nmsgstr ""\n\nmsgid "sum"\nmsgstr "求和"\n', encoding="utf-8")
    monkeypatch.setattr(text, "LOCALES", tmp_path)
    text.catalog.cache_clear()
    try:
        table = text.catalog("zh_CN").messages
        assert table == {"sum": ["求和"]}
    finally:
        text.catalog.cache_clear()


def _cjk_font_path() -> str:
    from matplotlib import font_manager

    try:
        family = text.cjk_font()
    except RuntimeError as error:
        pytest.fail(str(error))
    return font_manager.findfont(font_manager.FontProperties(family=family),
                                 fallback_to_default=False)


def test_the_cjk_font_covers_every_translated_figure_string():
    """Reads the font's character map: every character of every msgstr has a glyph.

    The players' module's own messages are left out: the browser draws them (as it draws the
    English page's Cᵀ), never matplotlib.
    """
    from matplotlib.ft2font import FT2Font

    have = set(FT2Font(_cjk_font_path()).get_charmap())
    drawn = {ch for e in text.read_po(TCONV_PO) if e.translated and not text.module_only(e)
             for f in e.msgstr for ch in f}
    assert any(text.has_cjk(ch) for ch in drawn), "no Chinese figure string to check"
    lacking = sorted(ch for ch in drawn if not ch.isspace() and ord(ch) not in have)
    assert lacking == []


def test_a_chinese_figure_draws_every_character(chinese):
    from tconv import placements
    from tconv.show import draw

    draw.use_fonts()
    p = placements(np.array([[1, 2], [3, 4]]), np.ones((2, 2), dtype=int), stride=2)
    fig = draw.placement_figure(p, 1)
    titles = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    assert any(text.has_cjk(t) for t in titles), titles
    assert text.missing_glyphs(fig) == []


def test_missing_glyphs_sees_tofu():
    """With an English-only font, Chinese text is reported (so the check above can fail)."""
    import matplotlib as mpl
    from tconv.show.draw import new_figure

    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        fig = new_figure((2, 1))
        fig.text(0.1, 0.5, "转置卷积 k=3")
        found = [(t, set(c)) for t, c in text.missing_glyphs(fig)]
        assert found == [("转置卷积 k=3", set("转置卷积"))]


def test_a_players_note_is_shown_in_the_readers_language(chinese):
    """The overlap explorer's legend (HTML) is a message of the catalog: Chinese, tags kept."""
    from tconv.book.checkerboard import NOTE
    from tconv.show.widgets import localized

    note = localized({"kind": "chooser", "note": NOTE})["note"]
    assert text.has_cjk(note) and "<i>" in note and "</i>" in note
    text.set_language("en")
    assert localized({"kind": "chooser", "note": NOTE})["note"] == NOTE


def test_the_overlap_explorers_frames_speak_the_readers_language(chinese):
    """The headings inside each pre-rendered frame (1-D, 2-D, the window shown) are messages."""
    from tconv.book.checkerboard import OverlapExplorer

    explorer = OverlapExplorer()
    frame, _caption = explorer.frame_and_caption(**explorer.initial)
    headings = re.findall(r'class="pt">([^<]*)<', frame)
    assert len(headings) == 2 and all(text.has_cjk(h) for h in headings), headings
    assert "input of" not in frame


def test_a_wrapped_message_is_joined_again_within_the_bound_only(chinese):
    """_by_lines joins runs of at most WRAPPED_LINES lines (so a long text costs time in
    proportion to its lines): a message wrapped one word a line on 4 lines is read back."""
    wrapped = "\n".join("skip from the encoder".split())
    assert text.tr(wrapped + "\n512×64×64") == "来自编码器的跳跃连接\n512×64×64"
    from tconv.book.checkerboard import NOTE  # a long message of the catalog

    translated = text.tr(NOTE)
    few = "\n".join(textwrap.wrap(NOTE, len(NOTE) // 4 + 8))  # on about 4 lines
    assert len(few.splitlines()) <= text.WRAPPED_LINES and text.tr(few) == translated
    many = NOTE.replace(" ", "\n")  # one word a line: more lines than one message may take
    assert len(many.splitlines()) > text.WRAPPED_LINES and translated not in text.tr(many)


def test_a_new_copy_of_the_chinese_build_keeps_what_was_added_to_it_later(tmp_path):
    """``make book`` copies _build/zh/html into _build/html/zh again; the decks (make slides)
    and the PDFs (make pdf) put there since are kept, the rest is the new build."""
    from script_support import load_script

    i18n = load_script("i18n")
    build, site = tmp_path / "build", tmp_path / "site" / "zh"
    (build / "chapters").mkdir(parents=True)
    (build / "intro.html").write_text("new", encoding="utf-8")
    (site / "slides").mkdir(parents=True)
    (site / "slides" / "deck.html").write_text("deck", encoding="utf-8")
    (site / "downloads").mkdir()
    (site / "downloads" / "book-zh.pdf").write_bytes(b"%PDF")
    (site / "intro.html").write_text("old", encoding="utf-8")
    (site / "gone.html").write_text("a page the new build no longer has", encoding="utf-8")
    i18n.copy_tree(build, site)
    assert (site / "intro.html").read_text(encoding="utf-8") == "new"
    assert not (site / "gone.html").exists()
    assert (site / "slides" / "deck.html").read_text(encoding="utf-8") == "deck"
    assert (site / "downloads" / "book-zh.pdf").read_bytes() == b"%PDF"
    assert sorted(p.name for p in site.parent.iterdir()) == ["zh"]  # nothing left beside it


def test_an_html_fragment_is_translated_text_by_text_markup_kept(chinese):
    """tr_html: a legend the catalog lacks as a whole is read out part by part: the text
    between tags and the alt/title/aria-label attributes; tags, URLs and code stay."""
    png = "data:image/png;base64,iVBORw0KGgo="
    fragment = (f'<div class="tcx"><figure><img src="{png}" alt="The original crop of the '
                'photograph"><figcaption>original, 96×96</figcaption></figure>'
                '<span title="max pooling"> block means </span><code>x[0]</code></div>')
    shown = text.tr_html(fragment)
    assert f'src="{png}"' in shown and '<div class="tcx">' in shown
    assert 'alt="照片的原始裁剪图"' in shown and "<figcaption>原图，96×96</figcaption>" in shown
    assert 'title="最大汇聚"' in shown and "> 块均值 <" in shown  # spaces around kept
    assert "<code>x[0]</code>" in shown  # no word to translate
    text.set_language("en")
    assert text.tr_html(fragment) == fragment


def test_the_fixed_upsampling_players_speak_the_readers_language(chinese):
    """The max-unpooling legend, and the method picker's note, frame captions, figure
    captions and alt texts (they were English on the Chinese page)."""
    import numpy as np
    from tconv.book.fixed_upsampling import MaxUnpoolStepper, UpsamplePicker
    from tconv.show.widgets import localized

    unpool = localized(MaxUnpoolStepper(np.arange(16.0).reshape(4, 4)).data())
    assert text.has_cjk(unpool["note"]) and "Outlined" not in unpool["note"]
    picker = localized(UpsamplePicker(np.random.default_rng(0).random((16, 16))).data())
    parts = [picker["note"], *picker["frames"]]
    shown = [t for part in parts for t in re.findall(r'<figcaption>([^<]*)<|alt="([^"]*)"', part)]
    shown = [a or b for a, b in shown] + picker["captions"]
    assert len(shown) > 10 and all(text.has_cjk(t) for t in shown), shown


@pytest.mark.parametrize(("drawn", "prose"), [
    ("Outlined cells: the pooling window", True), ("kernel 2, stride 2", False),
    ("the maximum being recorded", True), ("PyTorch p=1, a=1, ONNX SAME_LOWER", False),
    ("True", False), ("512×4×4\nConvTranspose2d\n(100, 512, 4)", False),
    ('<div class="tcv"><img alt="an image of things"></div>', False),
])
def test_only_prose_a_figure_drew_becomes_a_catalog_entry(drawn, prose):
    """scripts/i18n.py: a text the catalog lacks becomes an entry only if it reads as words."""
    from script_support import load_script

    assert load_script("i18n").is_prose(drawn) is prose
