"""The chapters in a real JupyterLab, as ``make lab`` starts it, driven in Chromium.

JupyterLab runs from this venv through ``scripts/lab.py`` (so with the project's
``jupyter/`` settings) on 127.0.0.1, a free port and a random token, over a copy of the
chapters (Run All must not write outputs into the repository), and is shut down at the end.
Checks: no raw MyST markup in rendered markdown, no solution visible before its dropdown is
opened, Run All with no error output, live widgets redrawing the right frame after each click,
slider step and dropdown change (its step, caption and numbers, computed again by tconv from
the numbers the player shows), the overlap explorer's shading, the first chapter opening at
the root URL, no news prompt, the theme following the system's dark mode, and no request
leaving 127.0.0.1.

Set ``LAB_SCREENSHOTS=/some/folder`` to also save screenshots in the light and dark themes.
All the tests share one server; `make test-book` runs them on their own, after the book tests.
They check behaviour, not speed: ``benchmarks/bench_lab.py`` measures click-to-redraw times
in the same set-up (``make bench-lab``).
"""

from __future__ import annotations

import os
import re
import runpy
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import tconv
from browser_support import ROOT, is_local
from lab_support import PLAYER_SELECTOR, RUN_ALL, WAIT_FOR_NOTEBOOK, WIDGET_INDEX, start_lab
from tconv.book.checkerboard import OverlapExplorer
from test_widgets import tables, values

pytest_plugins = ["browser_support"]
pytestmark = pytest.mark.xdist_group("jupyterlab")

RUN_ALL_TIMEOUT_MS = 300_000
# The chapters opened (rendering, solutions) and those run (Run All, widgets).
OPENED = ["why-upsample", "step-by-step", "stride-padding", "checkerboard"]
RUN = ["step-by-step", "checkerboard"]
# Raw MyST that a reader must never see: roles, directive fences and options, targets, math.
RAW_MYST = [
    re.compile(r"\{(?:term|cite(?::\w+)?|numref|ref|doc|eq|math|glue(?::\w+)?|eval|exercise|"
               r"solution|note|tip|warning|important|admonition|dropdown|literalinclude|figure|"
               r"code-cell)\}"),
    re.compile(r"^\s*(?:`{3,}|:{3,})", re.MULTILINE),
    re.compile(r":(?:label|class|name|pyobject|language):"),
    re.compile(r"^\([\w-]+\)=\s*$", re.MULTILINE),
    re.compile(r"\$"),
    re.compile(r"\\(?:mathrm|frac|begin|cdot|sum)\b"),
    re.compile(r"Unknown (?:Directive|Role)", re.IGNORECASE),
]
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n(?P<body>.*?)^\1[ \t]*$",
                      re.MULTILINE | re.DOTALL)


# ---------------------------------------------------------------- the server








@pytest.fixture(scope="module")
def lab(tmp_path_factory, browser):
    """JupyterLab started the way ``make lab`` does, on a copy of the chapters."""
    try:
        server = start_lab(tmp_path_factory.mktemp("lab"))
    except RuntimeError as error:
        pytest.fail(str(error))
    yield server
    server.stop()


@pytest.fixture
def lab_page(lab, browser):
    """A function that opens a Lab URL in a fresh context (light or dark), recording requests."""
    contexts = []

    def open_page(path: str, color_scheme: str = "light"):
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      color_scheme=color_scheme)
        contexts.append(context)

        def route(route_, request):
            if is_local(request.url):
                route_.continue_()
            else:
                lab.external.append(request.url)
                route_.abort()

        context.route("**/*", route)
        page = context.new_page()
        sep = "&" if "?" in path else "?"
        page.goto(f"{lab.url}{path}{sep}token={lab.token}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell",
                               timeout=60_000)
        return page

    yield open_page
    for context in contexts:
        context.close()
    lab.shut_down_kernels()


# ---------------------------------------------------------------- helpers in the page


# Text a reader sees in each markdown cell (innerText skips what is hidden, like closed
# dropdowns and the editor of a rendered cell), once every cell has rendered.
MARKDOWN_TEXTS = """async () => {
  const SEL = '.jp-MarkdownOutput, .myst';  // Lab's own renderer, jupyterlab-myst's
  const nb = window.jupyterapp.shell.currentWidget.content;
  const md = nb.widgets.filter(c => c.model.type === 'markdown');
  for (let i = 0; i < 300; i++) {
    if (md.every(c => c.rendered && c.node.querySelector(SEL)
                      && c.node.querySelector(SEL).innerText.trim())) break;
    await new Promise(r => setTimeout(r, 100));
  }
  return md.map(c => c.node.querySelector(SEL) ? c.node.querySelector(SEL).innerText : '');
}"""




SHADES = """() => {
  const cells = Array.from(document.querySelectorAll(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .tco td:not(.x)'));
  const colours = cells.map(td => getComputedStyle(td).backgroundColor)
      .filter(c => c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent');
  return {cells: cells.length, shaded: colours.length, distinct: [...new Set(colours)].length};
}"""


def open_notebook(lab_page, name: str, color_scheme: str = "light"):
    page = lab_page(f"lab/workspaces/t{secrets.token_hex(4)}/tree/{name}.ipynb?reset",
                    color_scheme)
    page.evaluate(WAIT_FOR_NOTEBOOK, f"{name}.ipynb")
    return page


def solution_fragments(name: str) -> list[str | None]:
    """For each solution of a chapter, in order, its longest plain run of words (or None)."""
    nb = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    found = []
    for match in SOLUTION.finditer(text):
        prose = [line for line in match["body"].splitlines() if not line.startswith(":")]
        body = " ".join(" ".join(prose).split())
        runs = [r.strip() for r in re.findall(r"[A-Za-z][A-Za-z ,;'’-]{34,}", body)]
        found.append(max(runs, key=len) if runs else None)
    return found


def screenshot(page, name: str) -> None:
    folder = os.environ.get("LAB_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


# ---------------------------------------------------------------- the tests


def test_the_root_url_opens_the_first_chapter_without_a_news_prompt(lab, lab_page):
    page = lab_page("lab")
    first = runpy.run_path(str(ROOT / "scripts" / "lab.py"))["first_chapter"]()
    assert first == "why-upsample.ipynb"  # _toc.yml's first chapter
    page.goto(f"{lab.url}?token={lab.token}")
    page.evaluate(WAIT_FOR_NOTEBOOK, first)
    page.wait_for_timeout(3000)  # the news question would pop up by now
    text = page.inner_text("body")
    assert "news" not in text.lower(), "JupyterLab asks about fetching news"
    notification = lab.api("lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = notification["schema"]["properties"]  # the project's overrides.json
    assert defaults["fetchNews"]["default"] == "false"
    assert defaults["checkForUpdates"]["default"] is False
    assert lab.api("lab/api/news") == {"news": []}
    assert lab.external == []


@pytest.mark.parametrize("name", OPENED)
def test_markdown_renders_with_no_raw_myst_and_solutions_closed(lab, lab_page, name):
    page = open_notebook(lab_page, name)
    texts = page.evaluate(MARKDOWN_TEXTS)
    assert texts and all(t.strip() for t in texts), "a markdown cell did not render"
    raw = [(i, m.group(0), t[max(0, m.start() - 40):m.end() + 40])
           for i, t in enumerate(texts) for pattern in RAW_MYST for m in pattern.finditer(t)]
    assert raw == [], raw
    visible = " ".join(" ".join(texts).split())
    fragments = solution_fragments(name)
    assert any(fragments), "the chapter has solutions with prose"
    shown = [f for f in fragments if f and f in visible]
    assert shown == [], f"solution text visible before its dropdown is opened: {shown}"
    assert all(f"Solution to Exercise {n}" in visible for n in range(1, len(fragments) + 1))
    # opening a dropdown shows its text (so the check above can fail)
    n, fragment = next((n, f) for n, f in enumerate(fragments, 1) if f)
    page.get_by_text(f"Solution to Exercise {n}", exact=True).first.click()
    for _ in range(30):
        opened = " ".join(" ".join(page.evaluate(MARKDOWN_TEXTS)).split())
        if fragment in opened:
            break
        page.wait_for_timeout(100)
    assert fragment in opened, f"Solution to Exercise {n} did not open"
    screenshot(page, f"{name}-light")
    assert lab.external == []


# One action on a live player, then its state once the frame has changed: the frame number,
# the frame's HTML, the caption and the choices. Waits for the change (30 s at most, a hang
# guard, not a budget: how fast it redraws is measured by benchmarks/bench_lab.py).
ACT = f"""async ([index, action, value]) => {{
  const root = document.querySelectorAll('{PLAYER_SELECTOR}')[index];
  const frame = root.querySelector('.tconv-frame');
  const changed = new Promise(resolve => {{
    const mo = new MutationObserver(() => {{ mo.disconnect(); resolve(true); }});
    mo.observe(frame, {{childList: true, subtree: true, characterData: true}});
  }});
  if (action === 'seek') {{
    const slider = root.querySelector('input[data-action=seek]');
    slider.value = String(value);
    slider.dispatchEvent(new Event('input', {{bubbles: true}}));
  }} else if (action === 'choose') {{
    const select = root.querySelectorAll('select')[value[0]];
    select.selectedIndex = value[1];
    select.dispatchEvent(new Event('change', {{bubbles: true}}));
  }} else {{
    root.querySelector(`[data-action=${{action}}]`).click();
  }}
  const moved = await Promise.race([changed, new Promise(r => setTimeout(() => r(false), 30000))]);
  return {{moved, frame: +root.dataset.frame, html: frame.innerHTML,
           caption: root.querySelector('.tconv-caption').textContent,
           choices: Array.from(root.querySelectorAll('select'), s => s.value)}};
}}"""


def cell_texts(html: str) -> list[list[list[str]]]:
    """The text of every cell of every table in ``html`` (counts, and "…" where rows are cut)."""
    return [[[cell["text"] for cell in row] for row in table] for table in tables(html)]


def live_player(page, marker: str) -> int:
    index = page.evaluate(WIDGET_INDEX, marker)
    assert index >= 0, f"no live widget showing {marker!r}"
    return index


@dataclass
class RunChapter:
    page: object  # the open page, kept for the widget tests
    errors: list[str]  # what Run All reported
    seconds: float


@pytest.fixture(scope="module")
def run_chapter(lab, browser):
    """``run_chapter(name)``: the chapter opened and Run All done, once per module."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(route_, request):
        if is_local(request.url):
            route_.continue_()
        else:
            lab.external.append(request.url)
            route_.abort()

    context.route("**/*", route)
    done: dict[str, RunChapter] = {}

    def get(name: str) -> RunChapter:
        if name not in done:
            lab.kept.add(f"{name}.ipynb")  # the widget tests need its kernel until the end
            page = context.new_page()
            page.goto(f"{lab.url}lab/workspaces/w{name}/tree/{name}.ipynb"
                      f"?reset&token={lab.token}")
            page.evaluate(WAIT_FOR_NOTEBOOK, f"{name}.ipynb")
            page.set_default_timeout(RUN_ALL_TIMEOUT_MS)
            start = time.perf_counter()
            errors = page.evaluate(RUN_ALL)
            done[name] = RunChapter(page, errors, time.perf_counter() - start)
            page.set_default_timeout(30_000)
        return done[name]

    yield get
    context.close()
    lab.kept.clear()
    lab.shut_down_kernels()


@pytest.mark.parametrize("name", RUN)
def test_run_all_finishes_with_no_error_output(lab, run_chapter, name, record_property):
    run = run_chapter(name)
    record_property("run_all_seconds", round(run.seconds, 1))
    print(f"\n{name}: Run All in {run.seconds:.1f} s")
    assert run.errors == []
    assert lab.external == []


STEPPER = "2×2 input, 2×2 kernel, stride 1"  # the first stepper of step-by-step


def check_scatter_frame(state: dict, x, kernel) -> None:
    """The frame shows step ``state['frame']`` of the scatter of ``x`` by ``kernel``."""
    p = tconv.placements(x, kernel)
    i, n = state["frame"], len(p)
    shown = tables(state["html"])
    if 1 <= i <= n:
        q = p[i - 1]
        assert state["caption"].startswith(
            f"Step {i} of {n}: x[{q.index[0]},{q.index[1]}] = {q.value} times the kernel"), state
        assert values(shown[2]).tolist() == q.contribution.tolist()
        assert values(shown[3]).tolist() == q.canvas.tolist()
    elif i == 0:
        assert state["caption"].startswith("Start:"), state
        assert not values(shown[3]).any()
    else:
        assert i == n + 1 and state["caption"].startswith("Result:"), state
        assert values(shown[-1]).tolist() == p.output.tolist()


@pytest.fixture
def stepper(run_chapter):
    """The step-by-step page with Run All done, its first live stepper, on frame 0, and the
    input and kernel that stepper shows."""
    run = run_chapter("step-by-step")
    assert run.errors == [], "Run All failed"
    page = run.page
    page.bring_to_front()  # a background tab gets no animation frames and slow timers
    index = live_player(page, STEPPER)
    page.evaluate(ACT, [index, "last", None])
    start = page.evaluate(ACT, [index, "first", None])
    assert start["moved"] and start["frame"] == 0
    t_input, t_kernel = tables(start["html"])[:2]
    return page, index, values(t_input).astype(int), values(t_kernel).astype(int)


def test_a_live_stepper_redraws_the_right_step_on_each_click(stepper):
    page, index, x, kernel = stepper
    n = x.size + 2  # the start, one frame per placement, the result
    states = [page.evaluate(ACT, [index, "next", None]) for _ in range(n - 1)]
    states += [page.evaluate(ACT, [index, "prev", None]) for _ in range(n - 1)]
    expected = list(range(1, n)) + list(range(n - 2, -1, -1))
    assert [s["frame"] for s in states] == expected
    assert all(s["moved"] for s in states)
    for state in states:
        check_scatter_frame(state, x, kernel)


def test_a_live_stepper_redraws_the_frame_its_slider_picks(stepper):
    page, index, x, kernel = stepper
    order = [3, 1, x.size + 1, 0, 2, x.size]
    states = [page.evaluate(ACT, [index, "seek", i]) for i in order]
    assert [s["frame"] for s in states] == order
    assert all(s["moved"] for s in states)
    for state in states:
        check_scatter_frame(state, x, kernel)


def test_the_live_overlap_explorer_shows_the_frame_its_choices_pick(run_chapter):
    """The chapter's explorer is OverlapExplorer() with its defaults: each choice must show
    the frame that Python draws for the chosen settings."""
    run = run_chapter("checkerboard")
    assert run.errors == [], "Run All failed"
    page = run.page
    page.bring_to_front()
    index = live_player(page, "Kernel size k")
    explorer = OverlapExplorer()
    names = list(explorer.params)
    # (select, option) pairs: kernel sizes, strides, paddings and layers, each changed; the
    # last pick returns to the chapter's first view (kernel 3, stride 2, padding 0, 1 layer)
    picks = [(0, 3), (1, 1), (2, 1), (3, 2), (0, 0), (1, 0), (3, 0), (2, 0), (0, 1)]
    for select, option in picks:
        state = page.evaluate(ACT, [index, "choose", [select, option]])
        assert state["moved"], (select, option)
        settings = dict(zip(names, (int(v) for v in state["choices"]), strict=True))
        assert settings[names[select]] == explorer.params[names[select]][option]
        html, caption = explorer._render(**settings)
        assert state["caption"] == caption, settings
        assert cell_texts(state["html"]) == cell_texts(html), settings
    assert settings == explorer.initial


def test_the_overlap_explorer_cells_are_shaded(run_chapter):
    page = run_chapter("checkerboard").page
    shades = page.evaluate(SHADES)
    assert shades["cells"] > 20, shades  # the explorer's count tables are there
    assert shades["distinct"] >= 3 and shades["shaded"] >= shades["cells"] // 2, shades


def test_the_theme_follows_a_dark_system_setting(lab, lab_page):
    page = open_notebook(lab_page, "step-by-step", color_scheme="dark")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'",
                           timeout=20_000)
    assert page.evaluate("() => document.body.dataset.jpThemeName") == "JupyterLab Dark"
    page.evaluate(MARKDOWN_TEXTS)
    screenshot(page, "step-by-step-dark")
    assert lab.external == []


LIVE_PLAYERS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output .tconv-player')).map(r => {
  const s = getComputedStyle(r);
  return [s.backgroundColor, s.borderTopStyle, s.color];
})"""

ERROR_OUTPUTS = """(text) => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output'))
  .filter(o => o.innerText.includes(text))
  .map(o => [o.querySelectorAll('.tconv-error').length, o.innerText.split(text).length - 1])"""

KERNEL_PRINTS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code, store_history: false});
  let out = '';
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

THEME = """async (theme) => {
  for (let i = 0; i < 200 && document.body.dataset.jpThemeName !== theme; i++) {
    await new Promise(r => setTimeout(r, 100));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return document.body.dataset.jpThemeName;
}"""


def follow_system(page, scheme: str) -> None:
    """Switch the system's colour scheme; the project's Lab settings follow it (adaptive)."""
    page.emulate_media(color_scheme=scheme)
    theme = {"dark": "JupyterLab Dark", "light": "JupyterLab Light"}[scheme]
    assert page.evaluate(THEME, theme) == theme


def test_the_live_players_look_like_the_books_show_an_error_once_and_tell_python(run_chapter):
    """Parity: the live players are the book's module and stylesheet (its palette in Lab's
    light and dark themes); an invalid setting's message appears once; an edit reaches the
    kernel."""
    run = run_chapter("step-by-step")
    assert run.errors == [], "Run All failed"
    page = run.page
    page.bring_to_front()
    light = page.evaluate(LIVE_PLAYERS)
    assert len(light) >= 4
    assert set(map(tuple, light)) == {("rgb(255, 255, 255)", "solid", "rgb(27, 27, 27)")}
    follow_system(page, "dark")
    try:
        dark = page.evaluate(LIVE_PLAYERS)
        screenshot(page, "step-by-step-live-dark")
    finally:
        follow_system(page, "light")
    assert set(map(tuple, dark)) == {("rgb(22, 25, 29)", "solid", "rgb(236, 236, 236)")}
    message = "output_padding (2) must be smaller than stride (2) or dilation (1)"
    assert page.evaluate(ERROR_OUTPUTS, message) == [[1, 1]]
    # the reader edits the first stepper; Python sees the new numbers
    root = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output "
                        ".tconv-player").first
    root.locator("[data-action=edit]").click()
    root.locator("input[name=x]").fill("1 2 3; 4 5 6")
    assert root.get_attribute("data-frames") == "8"
    printed = page.evaluate(KERNEL_PRINTS, "print(stepper.edits.get('x'))")
    assert printed.strip() == "[[1, 2, 3], [4, 5, 6]]"
    root.locator("[data-action=reset]").click()
    assert page.evaluate(KERNEL_PRINTS, "print(stepper.edits)").strip() == "{}"


def test_the_live_calculator_writes_the_same_layer_in_each_framework(run_chapter):
    """The output-size calculator in Lab: its "same layer" table is tconv.frameworks' texts
    and follows an edit of the stride with the kernel idle (the module computes it)."""
    from tconv import frameworks as fw

    run = run_chapter("stride-padding")
    assert run.errors == [], "Run All failed"
    page = run.page
    page.bring_to_front()
    root = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output "
                        ".tconv-size").first
    root.scroll_into_view_if_needed()

    def shown():
        return {row.locator("th").inner_text(): row.locator("code").text_content()
                for row in root.locator(".tconv-calls tbody tr").all()}

    want = fw.same_layer_calls(3, 2, 1, 1)
    assert shown() == {name: c.code for name, c in want.items()}
    root.locator("input[name=output_padding]").fill("0")
    root.locator("input[name=stride]").fill("1")
    assert shown() == {name: c.code for name, c in fw.same_layer_calls(3, 1, 1, 0).items()}
    root.locator("[data-action=reset]").click()
    assert shown()["Keras"].endswith("layers.Cropping2D(((1, 0), (1, 0)))")
