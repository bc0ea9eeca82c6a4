"""The Chinese edition's pipeline (issue 16): extract, update, build, stat.

    python scripts/i18n.py extract  # the book's messages, from the English sources, into
                                    # _build/i18n/pot/ (one .pot per document); tconv's
                                    # figure strings into _build/i18n/pot/tconv.pot
    python scripts/i18n.py update   # merge them into locales/zh_CN/LC_MESSAGES/*.po
                                    # (sphinx-intl) and lib/tconv/show/locales/zh_CN.po
    python scripts/i18n.py build    # the Chinese edition: _build/zh/html, copied into
                                    # _build/html/zh/ (make book runs it after the English)
    python scripts/i18n.py stat     # per catalog: translated, fuzzy, untranslated
    python scripts/i18n.py fonts    # exits 1 (with the install hint) without a CJK font
    python scripts/i18n.py copy     # _build/zh/html into _build/html/zh (after `build
                                    # --no-copy`: make book builds both editions at once)

Every step goes through Jupyter Book's own ``build_sphinx()`` (its CLI has no ``-D``), with
the configuration of ``_config.yml`` plus a few overrides:

- ``extract`` runs Sphinx's gettext builder with its own doctree folder (a gettext build
  cannot share the HTML build's environment) and the English execution cache, so nothing is
  executed again after ``make book``.
- ``build`` sets ``language = zh_CN`` and the settings of ``locales/zh_CN/edition.yml``
  (title, site name, root page) and executes nothing: the notebooks execute once, for both
  editions (``scripts/execution_cache.py --run``, which this step runs first for whatever the
  English cache lacks), and that execution draws each figure and player in Chinese too
  (``tconv.show.editions``). The Chinese cache, ``_build/zh/.jupyter_cache``, is the English
  one with those Chinese copies in place of the English outputs (:func:`derive_cache`; the
  cache is keyed on code, which is the same in both editions). It builds into ``_build/zh``
  and copies the HTML into ``_build/html/zh`` (building there would leave Sphinx's files in
  the English site). The execution records which strings each page's figures draw in Chinese
  (``_build/zh/tconv-texts``), which ``update`` adds to tconv's catalog.

The catalogs' English is the source: after a chapter changes, ``make book`` (or ``build``),
``extract``, ``update``, translate the new or fuzzy entries, ``build``. README, "Updating the
translation after a chapter changes", and ``locales/zh_CN/TRANSLATING.md`` say more.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LANG = "zh_CN"
LOCALES = ROOT / "locales"
CATALOGS = LOCALES / LANG / "LC_MESSAGES"
EDITION = LOCALES / LANG / "edition.yml"
BUILD = ROOT / "_build"
POT = BUILD / "i18n" / "pot"
EN_CACHE = BUILD / ".jupyter_cache"
ZH = BUILD / "zh"
ZH_HTML = ZH / "html"
ZH_CACHE = ZH / ".jupyter_cache"
ZH_TEXTS = ZH / "tconv-texts"
SITE_ZH = BUILD / "html" / "zh"
LIBRARY = ROOT / "lib" / "tconv"
TCONV_PO = LIBRARY / "show" / "locales" / f"{LANG}.po"
TCONV_POT = POT / "tconv.pot"
# tconv.show.text's lookups: name -> how many msgid arguments (two: singular and plural)
MARKERS = {"_": 1, "N_": 1, "Nn_": 2, "ngettext": 2}


# --- building through Jupyter Book ----------------------------------------------------------


def build(builder: str, outdir: Path, doctrees: Path, overrides: dict, strict: bool) -> int:
    """One Sphinx build of the book with Jupyter Book's configuration and these overrides."""
    from jupyter_book.sphinx import build_sphinx

    config = {"external_toc_path": "_toc.yml", "latex_individualpages": False,
              "nitpicky": True, **overrides}
    result = build_sphinx(ROOT, outdir, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=config, builder=builder, doctreedir=doctrees,
                          warningiserror=strict, keep_going=strict)
    if isinstance(result, Exception):
        return 1
    return int(result or 0)


def extract(args) -> int:
    """The English messages: Sphinx's .pot files and tconv's, in _build/i18n/pot."""
    start = time.perf_counter()
    # myst-nb keeps no output for a builder it has no mime priorities for (gettext): let it
    # keep the images, whose alt text is prose (_ext/translation.py extracts it).
    images = [("gettext", mime, rank) for rank, mime in
              enumerate(("image/svg+xml", "image/png", "image/jpeg", "image/gif"), start=1)]
    status = build("gettext", POT, BUILD / "i18n" / ".doctrees",
                   {"nb_execution_cache_path": str(EN_CACHE),
                    "nb_mime_priority_overrides": images}, strict=False)
    if status:
        print("i18n extract: the gettext build failed", file=sys.stderr)
        return status
    write_tconv_pot()
    pots = sorted(POT.rglob("*.pot"))
    print(f"i18n extract: {len(pots)} templates in {POT.relative_to(ROOT)} "
          f"({time.perf_counter() - start:.1f} s)")
    return 0


def edition_overrides() -> dict:
    """The Chinese edition's settings: language, cache, and locales/zh_CN/edition.yml."""
    settings = yaml.safe_load(EDITION.read_text(encoding="utf-8")) or {}
    return {"language": LANG, "nb_execution_cache_path": str(ZH_CACHE), **settings}


def derive_cache(source: Path = EN_CACHE, target: Path = ZH_CACHE) -> int:
    """The Chinese execution cache: the English one, each output that has a Chinese copy
    (tconv.show.editions, kept in the output's metadata) showing that copy. Returns how many
    outputs show one."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from library_cache import STAMP
    from tconv.show.editions import edition_output

    english = get_cache(str(source))
    if target.exists():
        shutil.rmtree(target)
    chinese, replaced = get_cache(str(target)), 0
    for record in english.list_cache_records():
        notebook = english.get_cache_bundle(record.pk).nb
        replaced += sum(edition_output(output, LANG)
                        for cell in notebook.cells for output in cell.get("outputs", []))
        chinese.cache_notebook_bundle(CacheBundleIn(notebook, record.uri, data=record.data),
                                      check_validity=False, overwrite=True)
    shutil.copy2(source / STAMP, target / STAMP)  # filled with the same library
    return replaced


def build_zh(args) -> int:
    """The Chinese edition into <workdir>/html, then copied into <site> (_build/html/zh)."""
    start = time.perf_counter()
    workdir = Path(args.workdir).resolve() if args.workdir else ZH
    sys.path.insert(0, str(ROOT / "scripts"))
    import execution_cache

    if execution_cache.fill(EN_CACHE, jobs=args.jobs):
        print("i18n build: a notebook failed to execute", file=sys.stderr)
        return 1
    replaced = derive_cache()
    print(f"i18n build: the Chinese execution cache from the English one ({replaced} outputs "
          f"drawn in Chinese by the same execution)")
    os.environ["TCONV_LANG"] = LANG  # nothing executes here; if it did, it would draw Chinese
    status = build("html", workdir / "html", workdir / ".doctrees", edition_overrides(),
                   strict=True)
    if status:
        print("i18n build: the Chinese edition did not build cleanly", file=sys.stderr)
        return status
    site = Path(args.site).resolve() if args.site else SITE_ZH
    if not args.no_copy:
        copy_tree(workdir / "html", site)
    where = workdir / "html" if args.no_copy else site
    print(f"i18n build: the Chinese edition in {where} ({time.perf_counter() - start:.1f} s)")
    return 0


# Folders other targets add to the site's Chinese edition after it is built (make slides,
# make pdf, make figures): a new copy of the build keeps them.
ADDED_LATER = ("slides", "downloads")


def copy_tree(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` (replacing it), keeping the folders added later."""
    kept = target.parent / f".{target.name}-kept"
    if kept.exists():
        shutil.rmtree(kept)
    for name in ADDED_LATER:
        if (target / name).is_dir() and not (source / name).exists():
            kept.mkdir(parents=True, exist_ok=True)
            shutil.move(target / name, kept / name)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".buildinfo"))
    if kept.exists():
        for folder in kept.iterdir():
            shutil.move(folder, target / folder.name)
        kept.rmdir()


def copy(args) -> int:
    """_build/zh/html into _build/html/zh (replacing what was there)."""
    if not ZH_HTML.is_dir():
        print("i18n copy: no Chinese build in _build/zh/html", file=sys.stderr)
        return 1
    copy_tree(ZH_HTML, SITE_ZH)
    return 0


def fonts(args) -> int:
    """0 when matplotlib finds a font with Chinese characters, else 1 with the install hint."""
    sys.path.insert(0, str(ROOT / "lib"))
    from tconv.show.text import FONT_INSTALL_HINT, cjk_font

    try:
        family = cjk_font()
    except RuntimeError:
        print(f"Skipping the Chinese edition: {FONT_INSTALL_HINT}.", file=sys.stderr)
        return 1
    print(f"i18n fonts: the Chinese figures are drawn in {family}")
    return 0


# --- tconv's own catalog --------------------------------------------------------------------


def library_messages() -> dict[str, dict]:
    """Every literal message of tconv's lookups (``_``, ``N_``, ``ngettext``), with places."""
    found: dict[str, dict] = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in MARKERS or len(node.args) < MARKERS[name]:
                continue
            args = node.args[:MARKERS[name]]
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue
            entry = found.setdefault(args[0].value, {"plural": None, "places": []})
            if MARKERS[name] == 2:  # a count message: singular and plural
                entry["plural"] = args[1].value
            entry["places"].append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno}")
    return found


# Prose: two lower-case words in a row. What a figure draws without any (a layer's call,
# "PyTorch p=1", "True", a shape) is code, and stays as it is in every edition.
PROSE = re.compile(r"\b[a-z]{2,}[ \t]+[a-z]{2,}\b")


def is_prose(text: str) -> bool:
    """True for a text a reader reads as words (worth a catalog entry), False for code."""
    return "<" not in text and bool(PROSE.search(text))


def drawn_texts() -> dict[str, set[str]] | None:
    """What the Chinese build's figures looked up, by message: the pages that drew it. A text
    the catalog lacks counts only when it is prose (:func:`is_prose`): code stays English.

    None when the Chinese edition has not been built (so nothing is known about the pages).
    """
    if not ZH_TEXTS.is_dir():
        return None
    found: dict[str, set[str]] = {}
    for log in sorted(ZH_TEXTS.rglob("*.jsonl")):
        for line in log.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if not record.get("msgid") and not is_prose(record["text"]):
                continue
            found.setdefault(record.get("msgid") or record["text"], set()).add(record["doc"])
    return found


def write_tconv_pot() -> None:
    """tconv.pot: the library's messages, and the chapters' texts the figures drew."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog(project="tconv", charset="utf-8", fuzzy=False)
    messages = library_messages()
    drawn = drawn_texts()
    for msgid, entry in messages.items():
        docs = sorted((drawn or {}).get(msgid, ()))
        places = [tuple(p.rsplit(":", 1)) for p in entry["places"]] + [(d, None) for d in docs]
        template.add((msgid, entry["plural"]) if entry["plural"] else msgid,
                     locations=[(f, int(n) if n else None) for f, n in places])
    for msgid, docs in sorted((drawn or {}).items()):
        if msgid not in messages:
            template.add(msgid, locations=[(d, None) for d in sorted(docs)],
                         auto_comments=["drawn from a chapter's code (tconv.show.text.tr)"])
    if drawn is None and TCONV_PO.exists():
        # No Chinese build to tell which texts the chapters draw: keep the ones known.
        from babel.messages.pofile import read_po

        with TCONV_PO.open("rb") as po:
            for message in read_po(po):
                if message.id and message.id not in template and message.auto_comments:
                    template.add(message.id, locations=message.locations,
                                 auto_comments=message.auto_comments)
    TCONV_POT.parent.mkdir(parents=True, exist_ok=True)
    with TCONV_POT.open("wb") as out:
        write_po(out, template, width=100, omit_header=False, sort_output=False)


def update_tconv_po() -> int:
    """Merge tconv.pot into lib/tconv/show/locales/zh_CN.po (new entries empty, changed fuzzy)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    with TCONV_POT.open("rb") as pot:
        template = read_po(pot)
    if TCONV_PO.exists():
        with TCONV_PO.open("rb") as po:
            catalog = read_po(po, locale=LANG)
    else:
        catalog = Catalog(locale=LANG, project="tconv", fuzzy=False)
    catalog.update(template)
    catalog.obsolete.clear()  # a message no longer drawn is gone, not kept as a comment
    TCONV_PO.parent.mkdir(parents=True, exist_ok=True)
    with TCONV_PO.open("wb") as out:
        write_po(out, catalog, width=100, sort_output=False)
    return len(catalog)


def update(args) -> int:
    """The .pot files merged into the catalogs of locales/zh_CN and tconv's."""
    if not POT.is_dir():
        print("i18n update: run `python scripts/i18n.py extract` first", file=sys.stderr)
        return 1
    book_pots = [p for p in POT.rglob("*.pot") if p != TCONV_POT]
    if not book_pots:
        print("i18n update: no .pot files in _build/i18n/pot", file=sys.stderr)
        return 1
    staging = BUILD / "i18n" / "book-pot"
    if staging.exists():
        shutil.rmtree(staging)
    for pot in book_pots:
        target = staging / pot.relative_to(POT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pot, target)
    command = [str(Path(sys.executable).with_name("sphinx-intl")), "update", "-p", str(staging),
               "-d", str(LOCALES), "-l", LANG, "-w", "100"]
    status = subprocess.run(command, cwd=ROOT).returncode
    if status:
        return status
    count = update_tconv_po()
    print(f"i18n update: {len(book_pots)} book catalogs and tconv's ({count} messages)")
    return 0


# --- statistics ---------------------------------------------------------------------------


def catalog_files() -> dict[str, Path]:
    """Every catalog by name: the book's documents (``chapters/checkerboard``) and ``tconv``."""
    found = {p.relative_to(CATALOGS).with_suffix("").as_posix(): p
             for p in sorted(CATALOGS.rglob("*.po"))}
    found["tconv"] = TCONV_PO
    return found


def stat(args) -> int:
    """Translated, fuzzy and untranslated entries of every catalog (exits 0: a report)."""
    sys.path.insert(0, str(ROOT / "lib"))
    from tconv.show.text import read_po

    print(f"{'catalog':32} {'entries':>7} {'translated':>10} {'fuzzy':>6} {'untranslated':>12}")
    for name, path in catalog_files().items():
        entries = read_po(path) if path.exists() else []
        done = sum(e.translated for e in entries)
        fuzzy = sum("fuzzy" in e.flags for e in entries)
        print(f"{name:32} {len(entries):>7} {done:>10} {fuzzy:>6} "
              f"{len(entries) - done - fuzzy:>12}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="the English messages into _build/i18n/pot")
    commands.add_parser("update", help="merge the .pot files into the catalogs")
    zh = commands.add_parser("build", help="the Chinese edition into _build/html/zh")
    zh.add_argument("--no-copy", action="store_true",
                    help="leave it in _build/zh/html (do not copy into _build/html/zh)")
    zh.add_argument("--workdir", help="build here instead of _build/zh (the execution cache "
                    "stays _build/zh/.jupyter_cache)")
    zh.add_argument("--site", help="copy the HTML here instead of _build/html/zh")
    zh.add_argument("--jobs", type=int, default=2,
                    help="notebooks executed at a time when the English cache lacks some")
    commands.add_parser("stat", help="how much of each catalog is translated")
    commands.add_parser("fonts", help="exit 1 when no font with Chinese characters is installed")
    commands.add_parser("copy", help="copy _build/zh/html into _build/html/zh")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    return {"extract": extract, "update": update, "build": build_zh, "stat": stat,
            "fonts": fonts, "copy": copy}[
        args.command](args)


if __name__ == "__main__":
    sys.exit(main())
