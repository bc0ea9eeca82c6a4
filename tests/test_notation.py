"""The book writes one notation, the one notation.md defines: symbols, size formulas, indices.

Every page of the book (the chapters' markdown cells and shown code, the intro, the notation
page, the glossary, the back matter) is split into plain text, math (``$...$``, ``$$...$$``,
``{math}``) and code (fenced blocks, inline code). Then:

- the aliases the notation rules out appear in no math and no plain text: ``H_in``/``H_out``
  (the sizes are $i$ and $o$), ``p_out`` (output padding is $a$), ``n_out``, $n$ as an input
  size, $r$ as a scale factor (the scale factor is $s$), $S$ for the stride;
- every general formula for an output size is written in the canonical form: the transposed
  convolution's $o = (i - 1)\\,s - 2p + d\\,(k - 1) + a + 1$ (or one of its special cases
  $a = 0$ and/or $d = 1$), the convolution's floor formula, the rule $0 \\le a < \\max(s, d)$;
- indices are the notation's letters: input cell $(u, v)$, kernel cell $(m, n)$, output cell
  $(r, c)$, also in inline code and shown code (``x[u, v]``, ``kernel[m, n]``, ``y[r, c]``).

A failure lists every offender as ``file, cell, line: what is wrong: the text``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from tconv.shapes import conv_output_size, conv_transpose_output_size

ROOT = Path(__file__).resolve().parents[1]

# The canonical forms, as notation.md writes them (spacing as there).
TRANSPOSED = r"o = (i - 1)\,s - 2p + d\,(k - 1) + a + 1"
CONVOLUTION = r"o = \left\lfloor \dfrac{i + 2p - d\,(k - 1) - 1}{s} \right\rfloor + 1"
OUTPUT_PADDING_RULE = r"0 \le a < \max(s, d)"
PLACEMENT = r"(u\,s + d\,m,\; v\,s + d\,n)"

# Cells whose source the reader never sees: their code may use any names.
HIDDEN_SOURCE_TAGS = {"remove-cell", "remove-input"}


# ---------------------------------------------------------------- the pages


def _toc_files(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key) or []:
                found.extend(_toc_files(child))
    return found


def book_pages() -> list[Path]:
    """Every page in _toc.yml (root first), as its source file."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = []
    for name in [str(toc["root"]), *_toc_files(toc)]:
        stem = ROOT / Path(name).with_suffix("")
        pages += [p for p in (stem.with_suffix(".md"), stem.with_suffix(".ipynb")) if p.is_file()]
    return pages


@dataclass(frozen=True)
class Source:
    """One piece of a page to read: where it is, and its text (markdown, or shown code)."""

    where: str
    text: str
    code: bool = False


def page_sources(path: Path) -> list[Source]:
    """The markdown of a page, and for a notebook the code cells whose source is shown."""
    name = str(path.relative_to(ROOT))
    if path.suffix == ".md":
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):  # front matter: blank it, keeping the line numbers
            end = text.index("\n---\n", 4) + 5
            text = "\n" * text[:end].count("\n") + text[end:]
        return [Source(name, text)]
    sources = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            sources.append(Source(f"{name}, cell {i}", text))
        elif cell["cell_type"] == "code":
            if not HIDDEN_SOURCE_TAGS & set(cell.get("metadata", {}).get("tags", [])):
                sources.append(Source(f"{name}, cell {i} (code)", text, code=True))
    return sources


# ---------------------------------------------------------------- splitting markdown


@dataclass(frozen=True)
class Segment:
    kind: str  # "plain" (markdown), "prose" (markdown without code), "math" or "code"
    text: str
    line: int  # 1-based line of the segment's start within its source


FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^\n]*)$")
# directives whose body is markdown (read as text); any other fenced block is code or math
CONTAINERS = {"exercise", "solution", "admonition", "note", "tip", "warning", "important",
              "caution", "attention", "hint", "seealso", "glossary", "dropdown", "figure",
              "margin", "sidebar", "epigraph", "topic", "card", "div"}
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}(?P<ticks>`+)(?P<body>.*?)(?P=ticks)", re.S)
CODE_SPAN = re.compile(r"(?P<ticks>`+)(?P<body>.+?)(?P=ticks)", re.S)
DISPLAY_MATH = re.compile(r"\$\$(?P<body>.+?)\$\$", re.S)
# inline math may run over a line break within its paragraph, never over a blank line
INLINE_MATH = re.compile(r"(?<![\\$])\$(?P<body>(?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\\)\$(?!\$)")
AMS = re.compile(r"\\begin\{(?P<env>align\*?|equation\*?|gather\*?)\}.*?\\end\{(?P=env)\}", re.S)


def _blocks(text: str) -> list[Segment]:
    """Markdown lines and fenced code/math blocks, in order (container fences dropped)."""
    out: list[Segment] = []
    lines = text.split("\n")
    containers: list[str] = []  # the fences of the open container directives
    buf: list[str] = []
    start = 1
    n = 0

    def flush(upto: int):
        nonlocal buf, start
        if buf:
            out.append(Segment("plain", "\n".join(buf), start))
        buf, start = [], upto + 1

    while n < len(lines):
        line = lines[n]
        match = FENCE.match(line)
        if match is None:
            if not buf:
                start = n + 1
            buf.append(line)
            n += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        if not info and containers and containers[-1] == fence:
            containers.pop()  # closes a container: drop the fence line
            flush(n + 1)
            n += 1
            continue
        directive = re.match(r"\{([\w-]+)\}", info)
        if directive and directive[1] in CONTAINERS:
            containers.append(fence)
            flush(n + 1)
            n += 1
            continue
        # a code block (or {math}, {code-cell}, ...): up to a closing fence at least as long
        flush(n)
        body_start, n = n + 1, n + 1
        body = []
        while n < len(lines):
            close = FENCE.match(lines[n])
            if (close and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence)
                    and not close["info"].strip()):
                break
            body.append(lines[n])
            n += 1
        kind = "math" if directive and directive[1] == "math" else "code"
        if kind == "math":  # options lines of {math} are not math
            body = ["" if re.match(r"\s*:[\w-]+:", b) else b for b in body]
        out.append(Segment(kind, "\n".join(body), body_start + 1))
        n += 1
        start = n + 1
    flush(n)
    return out


def _split_inline(seg: Segment) -> list[Segment]:
    """A markdown segment cut into math, code and prose (the text around code, math included).

    Roles other than {math} are dropped (their text is a term, a key or a label)."""
    text = seg.text
    pieces: list[tuple[int, str, str]] = []  # (offset, kind, text)
    taken = [False] * len(text)

    def take(pattern, kind_of):
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            kind = kind_of(m)
            if kind is not None:
                body = m["body"]
                pieces.append((m.start("body"), kind, body))
            for i in range(m.start(), m.end()):
                taken[i] = True

    take(ROLE, lambda m: "math" if m["name"] == "math" else None)
    take(CODE_SPAN, lambda m: "code")
    # the prose: the text with code and roles blanked (offsets kept), its math still in place
    prose = "".join(" " if t else ch for ch, t in zip(text, taken, strict=True))
    pieces.append((0, "prose", prose))
    take(DISPLAY_MATH, lambda m: "math")
    take(AMS, lambda m: "math")
    take(INLINE_MATH, lambda m: "math")
    return [Segment(kind, body, seg.line + text[:offset].count("\n"))
            for offset, kind, body in sorted(pieces, key=lambda p: p[0])]


def segments(source: Source) -> list[Segment]:
    """Plain text, math and code of one source (a shown code cell is all code)."""
    if source.code:
        return [Segment("code", source.text, 1)]
    out = []
    for block in _blocks(source.text):
        out += _split_inline(block) if block.kind == "plain" else [block]
    return out


# ---------------------------------------------------------------- the rules


def normalise(math: str) -> str:
    """Math without spacing, \\left/\\right, \\cdot or final punctuation, to compare forms."""
    m = re.sub(r"\\(?:[,;:! ]|quad|qquad|displaystyle|left|right|bigl|bigr|Bigl|Bigr)", "", math)
    m = re.sub(r"\\cdot(?![a-zA-Z])", "", m)
    m = re.sub(r"\\[dt]frac", r"\\frac", m)
    m = re.sub(r"\\leq(?![a-zA-Z])", r"\\le", m)
    m = re.sub(r"\s+", "", m)
    return m.rstrip(".,;")


def _axis_free(m: str) -> str:
    """Drop axis subscripts (i_h, s_w, ...) so per-axis formulas compare with the general one."""
    return re.sub(r"(?<=[iosdpka])_\{?[hw]\}?", "", m)


TRANSPOSED_N = normalise(TRANSPOSED.split("=", 1)[1])
# the special cases a page may write instead: a = 0, d = 1, or both
TRANSPOSED_FORMS = {TRANSPOSED_N, TRANSPOSED_N.replace("+a", ""),
                    TRANSPOSED_N.replace("+d(k-1)+a+1", "+k+a"),
                    TRANSPOSED_N.replace("+d(k-1)+a+1", "+k")}
CONVOLUTION_N = normalise(CONVOLUTION.split("=", 1)[1])
CONVOLUTION_FORMS = {CONVOLUTION_N, CONVOLUTION_N.replace("-d(k-1)-1", "-k")}
RULE_N = normalise(OUTPUT_PADDING_RULE)

SUB = r"_\s*(?:\{\s*)?(?:\\(?:mathrm|text|textrm|rm|mathit|operatorname)\s*\{?\s*)?"
ALIASES_MATH = [
    (re.compile(rf"\b[HW]{SUB}(?:in|out)\b"),
     "H_in/H_out/W_in/W_out: the sizes are i and o (per axis i_h, o_w)"),
    (re.compile(rf"\bp{SUB}out\b"), "p_out: output padding is a"),
    (re.compile(rf"\bn{SUB}(?:in|out)\b"), "n_in/n_out: the sizes are i and o"),
    (re.compile(r"\(\s*n\s*-\s*1\s*\)|\bn\s*\+\s*2\s*p\b|\bn\s*\\times\s*n\b"),
     "n as an input size: the input size is i"),
    (re.compile(r"\(\s*H\s*-\s*1\s*\)|\bH\s*\+\s*2\s*p\b|(?<![\w\\])\d+\s*H\b"),
     "H as an input size: the input size is i (per axis i_h)"),
    (re.compile(r"(?<![\w\\])r\s*\(|(?<![\w\\])r\s*\^\s*\{?2|(?<![\w\\])r\s*\\times\s*r\b"),
     "r as a scale factor: the scale factor is s"),
    (re.compile(r"\(\s*[ij]\s*,\s*[ij]\s*\)"),
     "(i, j) as an index: input cell (u, v), output cell (r, c)"),
    # (i·s alone may be the input size times the stride; j is never a symbol of the notation)
    (re.compile(r"(?<![\w\\])j\s*(?:\\cdot\s*|\\,\s*)?s\b"),
     "j·s with j as an index: the input cell is (u, v), placed at (u·s, v·s)"),
    (re.compile(r"\bx_\{?\s*(?![uv0-9,\s]*[}\s$^_)]|[uv0-9]\b)[a-z]"),
     "x_<index> with a letter other than u, v"),
    (re.compile(r"\b[wk]_\{?\s*(?![mnhw0-9,\s]*[}\s$^_)]|[mnhw0-9]\b)[a-z]"),
     "w_<index>/k_<index> with a letter other than m, n (or an axis h, w)"),
]
ALIASES_PLAIN = [
    (re.compile(r"\b[HW]_(?:in|out)\b|\bp_out\b|\bn_(?:in|out)\b"),
     "an alias (H_in, H_out, p_out, n_out) in the text: use the symbols i, o, a"),
    (re.compile(r"(?i)\b(?:scale|upscaling|upsampling|scaling)\s+factor\s+\$r\b"),
     "r as a scale factor: the scale factor is s"),
    (re.compile(r"\b[Ss]trides?\s+\$S\b"), "S for the stride: the stride is s"),
    (re.compile(r"(?i)\b(?:input|feature map)\s+(?:of\s+)?(?:size|length)\s+\$n\$"),
     "n as an input size: the input size is i"),
    (re.compile(r"(?i)\b(input|output|kernel)\s+(?:cell|element|position|pixel|index|value)s?"
                r"\s+\$\(?\s*([a-z])\s*(?=[,)$])"),
     None),  # checked below: an index named by one letter must be the notation's
]
INDEX_LETTERS = {"input": "uv", "output": "rc", "kernel": "mn"}
INDEX_CODE = [
    (re.compile(r"\bx\[\s*([a-z])\s*,\s*([a-z])\s*\]"), "uv", "x[u, v]"),
    (re.compile(r"\b(?:kernel|w|k)\[\s*([a-z])\s*,\s*([a-z])\s*\]"), "mn", "kernel[m, n]"),
    (re.compile(r"\by\[\s*([a-z])\s*,\s*([a-z])\s*\]"), "rc", "y[r, c]"),
]
INDEX_PLACEMENT_CODE = re.compile(r"\(\s*[ij]\s*[·*]\s*s\b|\b[ij]\s*·\s*s\b")


def formula_problems(math: str) -> list[str]:
    """What is wrong with the size formulas in one math segment (empty when nothing is)."""
    m = _axis_free(normalise(math))
    problems = []
    symbolic = re.search(r"\((?:[A-Za-z]|\\mathrm|\\text)[^()]*-1\)s", m)
    if "-2p" in m and symbolic:
        found = [f for f in TRANSPOSED_FORMS if f in m]
        if not found:
            problems.append(f"a transposed-convolution size not written {TRANSPOSED}")
        else:
            before = m[: m.index(max(found, key=len))]
            if before not in ("", "o=") and not before.endswith(("\\quad", "=o=")):
                lhs = before.rstrip("=")
                problems.append(f"the output size is written {lhs!r}: it is o")
    bad_input = re.search(r"\((?!i-1\))([^()]*?)-1\)s", m)
    if bad_input and not re.fullmatch(r"\d+", bad_input[1]):
        problems.append(f"the input size is written {bad_input[1]!r} in ({bad_input[1]}-1)s: "
                        "it is i")
    if "\\lfloor" in m and "2p" in m:
        found = [f for f in CONVOLUTION_FORMS if f in m]
        if not found:
            problems.append(f"a convolution size not written {CONVOLUTION}")
    if "\\max(" in m and "<" in m and RULE_N not in m:
        problems.append(f"the output-padding rule not written {OUTPUT_PADDING_RULE}")
    return problems


def problems_in(source: Source) -> list[str]:
    """Every notation problem of one source, as 'where, line L: what: text'."""
    found = []

    def report(seg: Segment, offset: int, what: str, text: str):
        line = seg.line + seg.text[:offset].count("\n")
        entry = f"{source.where}, line {line}: {what}: {text.strip()[:90]!r}"
        if entry not in found:
            found.append(entry)

    for seg in segments(source):
        if seg.kind == "math":
            for pattern, what in ALIASES_MATH:
                for hit in pattern.finditer(seg.text):
                    report(seg, hit.start(), what, seg.text)
            for what in formula_problems(seg.text):
                report(seg, 0, what, seg.text)
        elif seg.kind == "prose":
            for pattern, what in ALIASES_PLAIN:
                for hit in pattern.finditer(seg.text):
                    if what is None:
                        kind, letter = hit[1].lower(), hit[2]
                        if letter not in INDEX_LETTERS[kind]:
                            report(seg, hit.start(), f"{kind} cell index {letter}: the "
                                   f"{kind} cell is ({', '.join(INDEX_LETTERS[kind])})",
                                   hit[0])
                    else:
                        report(seg, hit.start(), what, seg.text[hit.start():hit.start() + 60])
        else:  # code: the index letters only
            for pattern, letters, form in INDEX_CODE:
                for hit in pattern.finditer(seg.text):
                    if hit[1] + hit[2] != letters:
                        report(seg, hit.start(), f"index letters: write {form}", hit[0])
            for hit in INDEX_PLACEMENT_CODE.finditer(seg.text):
                report(seg, hit.start(), "i·s with i as an index: write u·s", hit[0])
    return found


# ---------------------------------------------------------------- the checker's own tests


def test_the_canonical_formulas_are_the_librarys():
    """The formulas of the notation, evaluated as Python, agree with tconv.shapes everywhere."""
    def python(latex: str) -> str:
        expr = latex.split("=", 1)[1].strip()
        for a, b in [(r"\left\lfloor", "("), (r"\right\rfloor", ")"), (r"\,", "*"),
                     ("2p", "2*p"), ("}{", ")//("), (r"\dfrac{", "("), ("}", ")")]:
            expr = expr.replace(a, b)
        return expr
    tconv_size, conv_size = python(TRANSPOSED), python(CONVOLUTION)
    assert tconv_size == "(i - 1)*s - 2*p + d*(k - 1) + a + 1", tconv_size
    checked = 0
    for i in range(1, 9):
        for k in range(1, 6):
            for s in range(1, 4):
                for d in range(1, 3):
                    for p in range(0, 3):
                        env = dict(i=i, k=k, s=s, d=d, p=p)
                        if (i + 2 * p - d * (k - 1) - 1) >= 0:
                            assert eval(conv_size, {}, env) == conv_output_size(  # noqa: S307
                                i, k, stride=s, padding=p, dilation=d)
                        for a in range(max(s, d)):
                            try:
                                want = conv_transpose_output_size(
                                    i, k, stride=s, padding=p, output_padding=a, dilation=d)
                            except ValueError:
                                continue
                            assert eval(tconv_size, {}, {**env, "a": a}) == want  # noqa: S307
                            checked += 1
    assert checked > 500


def test_the_notation_page_states_each_canonical_form():
    page = (ROOT / "notation.md").read_text(encoding="utf-8")
    for form in (TRANSPOSED, CONVOLUTION, OUTPUT_PADDING_RULE, PLACEMENT):
        assert form in page, f"notation.md does not write {form}"
    assert "notation.md" in {p.name for p in book_pages()}


def test_markdown_is_split_into_text_math_and_code():
    text = ("A $o$ and `x[i, j]` and {term}`stride` and {math}`a < s`.\n\n"
            "````{exercise}\n:label: ex-1\n\n$$\no = 1\n$$\n\n```python\nH_in = 3\n```\n````\n")
    kinds = [(s.kind, s.text.strip()) for s in segments(Source("t", text))]
    assert ("math", "o") in kinds and ("code", "x[i, j]") in kinds
    assert ("math", "a < s") in kinds and ("math", "o = 1") in kinds
    assert ("code", "H_in = 3") in kinds
    prose = " ".join(t for k, t in kinds if k == "prose")
    assert "stride" not in prose and "H_in" not in prose and ":label:" in prose
    assert "$o$" in prose and "x[i, j]" not in prose


@pytest.mark.parametrize(("text", "words"), [
    (r"$$H_\mathrm{out} = (H_\mathrm{in} - 1)\,s - 2p + d\,(k - 1) + p_\mathrm{out} + 1$$",
     ["H_in/H_out", "p_out", "input size is written"]),
    (r"For a size $n$: $n_\text{out} = (n - 1)\,s - 2p + d\,(k - 1) + a + 1$.",
     ["n_in/n_out", "n as an input size"]),
    (r"$o = (i - 1)\,s + d\,(k - 1) - 2p + a + 1$", ["not written"]),
    (r"$o = \left\lfloor \frac{i - d(k - 1) + 2p - 1}{s} \right\rfloor + 1$",
     ["convolution size not written"]),
    (r"$o = \lfloor (i + 2p - k)/s \rfloor + 1$", ["convolution size not written"]),
    (r"padding $r(k-1-p)$ with a factor $r^2$", ["r as a scale factor"]),
    (r"the upscaling factor $r = 3$", ["r as a scale factor"]),
    (r"with stride $S$", ["S for the stride"]),
    (r"input cell $i$ meets kernel cell $a$ in $x_i w_a$ at $(i, j)$, $j s$",
     ["input cell index i", "kernel cell index a", "x_<index>", "w_<index>", "(i, j)",
      "j·s with j"]),
    ("block of `x[i, j]` at `(i·s, j·s)`", ["write x[u, v]", "write u·s"]),
    (r"$0 \le a < \max(s, d + 1)$", ["output-padding rule"]),
])
def test_the_checker_finds_each_kind_of_alias(text, words):
    found = problems_in(Source("demo.md", text))
    for word in words:
        assert any(word in p for p in found), (word, found)


@pytest.mark.parametrize("text", [
    TRANSPOSED, CONVOLUTION, OUTPUT_PADDING_RULE, PLACEMENT,
    r"$o_h = (i_h - 1)\,s_h - 2p_h + d_h\,(k_h - 1) + a_h + 1$",
    r"$(i - 1)\,s - 2p + k$ when $d = 1$ and $a = 0$; $(3 - 1)\cdot 2 - 2 + 3 = 5$",
    r"$o = (i-1)s + k$ cells; the block of $x[u, v]$ at $(u\,s, v\,s)$; row $r \cdot 3 + c$",
    r"its block at output cell $(u\,s, v\,s)$; output cell $(r, c)$; kernel cell $m$",
    "`x[u, v] * kernel[m, n]` lands on `y[r, c]`; `H_out` is PyTorch's name",
    r"`padding=\"same\"` gives $i \cdot s$; the tent is $1 - |t - c|/s$ wide",
    "input cell $(u, v)$, kernel cell $(m, n)$, output cell $(r, c)$; kernel $k_h \\times k_w$",
])
def test_the_checker_accepts_the_notation(text):
    wrapped = text if "$" in text or "`" in text else f"${text}$"
    assert problems_in(Source("demo.md", wrapped)) == []


# ---------------------------------------------------------------- every page of the book


PAGES = book_pages()


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_uses_the_notation(path):
    found = [p for source in page_sources(path) for p in problems_in(source)]
    assert not found, (f"{len(found)} departures from the notation (notation.md):\n"
                       + "\n".join(found))
