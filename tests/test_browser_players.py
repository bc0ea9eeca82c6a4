"""The players' module in Chromium, against the library it stands in for.

A page of players (their ``text/html`` copies, as a notebook output or the book has them) is
served from 127.0.0.1; the module's engine runs there on hundreds of random legal settings
and random illegal ones and must give what ``tconv`` gives: placements, running sums, overlap
counts, outputs, the gathered terms, the zero-inserted input, the rows of Cᵀ, and the same
error messages (exactly for integers, to 1e-12 for floats). Then the players themselves:
every frame's numbers read back out of the page, editing by keyboard and by mouse, the error
box, Reset, a link that restores the numbers, budgets, no console error, no request leaving
the host, and no axe violation in either theme. Needs no book build.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading

import numpy as np
import pytest
import tconv
from browser_support import is_local
from tconv import frameworks as fw
from tconv.book.many_names import MatrixRowStepper
from tconv.book.stride_padding import OutputSizeCalculator
from tconv.show.player import digest, module_text
from tconv.show.widgets import ChooserView, DirectStepper, GatherStepper, SequenceView, Stepper
from tconv.views import conv_matrix, conv_transpose2d_zero_insertion, zero_insertion_input
from test_browser_a11y import axe_violations, describe
from test_widgets import cells_with, tables, values

pytest_plugins = ["browser_support"]

SHA = digest(module_text())
X = [[1, 2], [3, 4]]
K = [[1, 3], [4, 2]]
K9 = np.arange(1, 10).reshape(3, 3).tolist()


def players() -> dict:
    """The page's players, by a name the tests use (the book's examples and a few more)."""
    return {
        "stepper": Stepper(X, K, title="2×2 input, 2×2 kernel, stride 1"),
        "crop": Stepper(np.ones((2, 2), int), np.ones((3, 3), int), stride=2, padding=1,
                        output_padding=1),
        "gather": GatherStepper(X, K),
        "pair": DirectStepper(X, K9, stride=2, padding=1),
        "rows": MatrixRowStepper(X, K9, stride=2, padding=1),
        "size": OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1,
                                     output_padding=1),
        "chooser": ChooserView({"n": [1, 2], "s": [1, 2, 3]},
                               lambda n, s: (f"<b>{(n - 1) * s + 2}</b>", f"n={n}, s={s}"),
                               "Sizes", labels={"n": "input n", "s": "stride s"}),
        "frames": SequenceView(["<b>one</b>", "<b>two</b>", "<b>three</b>"],
                               ["first", "second", "third"], "Three frames"),
        "bad": Stepper(X, K, stride=2, output_padding=2),
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The players' page served on 127.0.0.1: base URL; the players by name."""
    folder = tmp_path_factory.mktemp("players")
    made = players()
    body = "".join(f'<section id="{name}">{obj.to_html()}</section>' for name, obj in made.items())
    (folder / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Players</title>'
        f"</head><body><main><h1>Players</h1>{body}</main></body></html>", encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html", made
    server.shutdown()
    server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


class Page:
    """An open page of players, with what went wrong while it ran."""

    def __init__(self, page):
        self.page, self.problems = page, []

    def root(self, name: str, view: int = 0):
        return self.page.locator(f"#{name} .tconv-player").nth(view)


@pytest.fixture
def open_page(browser, site):
    url, _ = site
    contexts = []

    def open_(suffix: str = "", color_scheme: str = "light") -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      color_scheme=color_scheme)
        contexts.append(context)
        page = Page(context.new_page())

        def route(route_, request):
            if is_local(request.url):
                route_.continue_()
            else:
                page.problems.append(f"request leaving 127.0.0.1: {request.url}")
                route_.abort()

        context.route("**/*", route)
        page.page.on("console", lambda m: m.type in ("error", "warning") and
                     page.problems.append(f"console: {m.text}"))
        page.page.on("pageerror", lambda e: page.problems.append(f"uncaught: {e}"))
        page.page.goto(url + suffix, wait_until="networkidle")
        page.page.wait_for_function("n => document.querySelectorAll('.tconv-player').length >= n",
                                    arg=8)
        return page

    yield open_
    for context in contexts:
        context.close()


# Arguments and results cross as JSON text: Playwright's own serialisation of large nested
# arrays is far slower.
ENGINE = ("([sha, f, arg]) => window.tconvModules[sha].then("
          "m => JSON.stringify(window.tconvTest[f](m, JSON.parse(arg))))")
HARNESS = """() => {
const conv = (m, v) => v !== null && typeof v === 'object' && !Array.isArray(v) && '__float__' in v
  ? new m.PyFloat(v.__float__) : Array.isArray(v) ? v.map(w => conv(m, w)) : v;
const slice = (s) => [s.start, s.stop, s.step];
const attempt = (f) => { try { return {value: f()}; } catch (e) {
  if (!(e instanceof Error) || !['ValueError', 'TypeError'].includes(e.name)) throw e;
  return {error: [e.name, e.message]}; } };
window.tconvTest = {
  legal(m, cases) {
    return cases.map(([x, k, s, p, op, d]) => {
      const pl = m.placements(x, k, s, p, op, d), c = pl.crop;
      const steps = pl.steps.map((q, i) => {
        const [canvas, count] = m.scatter_sums(pl, i + 1);
        return {index: q.index, value: q.value, rows: slice(q.rows), cols: slice(q.cols),
                contribution: q.contribution, canvas, count, footprint: m.footprint(q)};
      });
      const sc = m.check_scatter(x, k, s, p, op, d), [oH, oW] = c.out_shape, gathered = [];
      for (let r = 0; r < oH; r++) for (let cc = 0; cc < oW; cc++) gathered.push(
        m.gather(x, k, [r, cc], s, p, op, d).map(t => [t.input_index, t.kernel_index, t.value,
                                                      t.weight, t.product]));
      const dv = m.direct_of(sc);
      return {crop: [c.full_shape, c.canvas_shape, c.out_shape, slice(c.rows), slice(c.cols),
                     slice(c.extra_rows), slice(c.extra_cols)],
              steps, canvas: pl.canvas, count: pl.canvas_count, output: pl.output,
              overlap: pl.overlap, gathered, z: dv.z, direct: dv.output,
              ct: m.conv_matrix_t(sc).CT};
    });
  },
  illegal(m, cases) {
    return cases.map(([x, k, s, p, op, d]) => attempt(() =>
      m.placements(conv(m, x), conv(m, k), conv(m, s), conv(m, p), conv(m, op), conv(m, d))));
  },
  sizes(m, cases) {
    return cases.map((args) => attempt(() => m.conv_transpose_output_size(...conv(m, args))));
  },
  calls(m, cases) {
    return cases.map((args) => attempt(() => m.same_layer_calls(...conv(m, args))));
  },
  formats(m, cases) { return cases.map(([v, spec]) => m.py_format(v, spec)); },
  reprs(m, cases) { return cases.map((v) => m.float_repr(v)); },
  frames(m, name) {
    // every frame of every player in section ``name``: its HTML and caption
    return Array.from(document.querySelectorAll(`#${name} .tconv-player`)).map((root) => {
      const slider = root.querySelector('input[data-action=seek]'), out = [];
      for (let i = 0; i < +root.dataset.frames; i++) {
        slider.value = i;
        slider.dispatchEvent(new Event('input', {bubbles: true}));
        out.push([root.querySelector('.tconv-frame').innerHTML,
                  root.querySelector('.tconv-caption').textContent]);
      }
      return out;
    });
  },
  budget(m, [data, edits]) {
    const el = document.createElement('div');
    document.body.append(el);
    m.mount(el, data);
    for (const [name, value] of Object.entries(edits)) {
      const input = el.querySelector(`input[name=${name}]`);
      input.value = value;
      input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    const box = el.querySelector('.tconv-error');
    const text = box.hidden ? null : box.textContent;
    el.remove();
    return text;
  },
};
}"""


def run(page: Page, f: str, arg=None):
    page.page.evaluate(HARNESS)
    return json.loads(page.page.evaluate(ENGINE, [SHA, f, json.dumps(arg)]))


# ---------------------------------------------------------------- random settings

def _pair(rng, lo, hi):
    v = [int(a) for a in rng.integers(lo, hi, 2)]
    return v if rng.random() < 0.5 else v[0] if v[0] == v[1] else v


def legal_cases(n: int, seed: int = 0):
    """``n`` random legal (x, kernel, stride, padding, output_padding, dilation): half floats."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        H, W, kH, kW = (int(v) for v in rng.integers(1, 5, 4))
        s, d = _pair(rng, 1, 4), _pair(rng, 1, 4)
        sp, dp = np.broadcast_to(s, 2), np.broadcast_to(d, 2)
        op = [int(rng.integers(0, max(a, b))) for a, b in zip(sp, dp, strict=True)]
        p = _pair(rng, 0, 4)
        if len(cases) % 2:
            x, k = rng.normal(size=(H, W)) * 10.0 ** rng.integers(-3, 4), rng.normal(size=(kH, kW))
        else:
            x, k = rng.integers(-99, 100, (H, W)), rng.integers(-99, 100, (kH, kW))
        try:
            tconv.placements(x, k, s, p, op, d)
        except ValueError:
            continue  # padding crops everything: draw again
        cases.append((x.tolist(), k.tolist(), s, p, op, d))
    return cases


def reference(case) -> dict:
    """What tconv gives for a legal case, in the harness's layout."""
    x, k, s, p, op, d = case
    pl = tconv.placements(x, k, s, p, op, d)
    c = pl.crop

    def sl(v):
        return [v.start, v.stop, v.step]

    out = pl.output
    return {
        "crop": [list(c.full_shape), list(c.canvas_shape), list(c.out_shape), sl(c.rows),
                 sl(c.cols), sl(c.extra_rows), sl(c.extra_cols)],
        "steps": [{"index": list(q.index), "value": q.value, "rows": sl(q.rows),
                   "cols": sl(q.cols), "contribution": q.contribution, "canvas": q.canvas,
                   "count": q.canvas_count, "footprint": [list(f) for f in q.footprint]}
                  for q in pl],
        "canvas": pl.canvas, "count": pl.canvas_count, "output": out, "overlap": pl.overlap,
        "gathered": [[[list(t.input_index), list(t.kernel_index), t.value, t.weight, t.product]
                      for t in tconv.gather(x, k, rc, s, p, op, d)]
                     for rc in np.ndindex(*out.shape)],
        "z": zero_insertion_input(x, k, s, p, op, d),
        "direct": conv_transpose2d_zero_insertion(x, k, s, p, op, d),
        "ct": conv_matrix(out.shape, k, s, p, d).T,
    }


def same(js, py, exact: bool, where: str) -> None:
    """Equal numbers: exactly for integers, to 1e-12 (relative, at least 1e-12) for floats."""
    if isinstance(py, dict):
        assert set(js) == set(py), where
        for key in py:
            same(js[key], py[key], exact, f"{where}.{key}")
        return
    a, b = np.asarray(js, dtype=float), np.asarray(py, dtype=float)
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    if exact:
        assert np.array_equal(a, b), f"{where}: {js} != {py}"
    else:
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12), f"{where}: {js} != {py}"


def compare(js: dict, py: dict, exact: bool, where: str) -> None:
    same(js["crop"][:3], py["crop"][:3], True, where + ".crop")
    assert js["crop"][3:] == py["crop"][3:], where + ".crop slices"
    assert len(js["steps"]) == len(py["steps"]), where
    for i, (a, b) in enumerate(zip(js["steps"], py["steps"], strict=True)):
        w = f"{where}.step{i}"
        assert (a["index"], a["rows"], a["cols"], a["footprint"]) == (
            b["index"], b["rows"], b["cols"], b["footprint"]), w
        same({k: a[k] for k in ("value", "contribution", "canvas")},
             {k: b[k] for k in ("value", "contribution", "canvas")}, exact, w)
        same(a["count"], b["count"], True, w + ".count")
    same({k: js[k] for k in ("canvas", "output", "direct")},
         {k: py[k] for k in ("canvas", "output", "direct")}, exact, where)
    for key in ("count", "overlap"):
        same(js[key], py[key], True, f"{where}.{key}")
    same(js["z"], py["z"], exact, where + ".z")
    same(js["ct"], py["ct"], exact, where + ".ct")
    assert len(js["gathered"]) == len(py["gathered"]), where
    for cell, (a, b) in enumerate(zip(js["gathered"], py["gathered"], strict=True)):
        assert [t[:2] for t in a] == [t[:2] for t in b], f"{where}.gather{cell}"
        same([t[2:] for t in a], [t[2:] for t in b], exact, f"{where}.gather{cell}")


# ---------------------------------------------------------------- the engine against tconv

def test_the_engine_gives_what_tconv_gives_on_600_random_legal_settings(open_page):
    page = open_page()
    cases = legal_cases(600)
    got = []
    for start in range(0, len(cases), 100):  # a few round trips of moderate size
        got += run(page, "legal", cases[start:start + 100])
    floats = 0
    for i, (case, js) in enumerate(zip(cases, got, strict=True)):
        exact = not any(isinstance(v, float) for row in case[0] + case[1] for v in row)
        floats += not exact
        compare(js, reference(case), exact, f"case {i} {case[2:]}")
    assert floats == 300 and len(cases) == 600
    assert page.problems == []


def _fl(v: float) -> dict:
    return {"__float__": v}


def illegal_cases(seed: int = 1):
    """Random illegal settings and arrays, each with one thing wrong, and what Python passes."""
    rng = np.random.default_rng(seed)
    bad = {
        "stride": [0, -1, -3, 1.5, _fl(2.0), "2", True, [1, 2, 3], [0, 1], None],
        "padding": [-1, 0.5, [1, -2], 40, 50],
        "output_padding": ["max", "max+1", -1, [0, "max"]],
        "dilation": [0, -2, 2.5, [1, 0]],
        "x": [[], [[]], [[1, 2], [3]], [[[1]]], 5],
        "kernel": [[], [[], []], [[1], [2, 3]], 7],
    }
    names = ["x", "kernel", "stride", "padding", "output_padding", "dilation"]
    cases = []
    for case in legal_cases(300, seed=seed):
        case = list(case)
        name = names[int(rng.integers(0, len(names)))]
        value = bad[name][int(rng.integers(0, len(bad[name])))]
        s, d = np.broadcast_to(case[2], 2), np.broadcast_to(case[5], 2)
        top = int(max(max(s), max(d)))
        value = {"max": top, "max+1": top + 1}.get(value, value) if isinstance(value, str) \
            and value.startswith("max") else value
        if isinstance(value, list) and "max" in value:
            value = [0, top]
        case[names.index(name)] = value
        cases.append(case)
    return cases


def _python(value):
    if isinstance(value, dict):
        return value["__float__"]
    if isinstance(value, list) and value and not isinstance(value[0], list) and name_is_pair(value):
        return tuple(value)
    return value


def name_is_pair(value) -> bool:
    return all(isinstance(v, (int, float, str, bool, type(None), dict)) for v in value)


def python_error(case):
    x, k, s, p, op, d = case
    try:
        tconv.placements(x, k, *(_python(v) for v in (s, p, op, d)))
    except (ValueError, TypeError) as err:
        return [type(err).__name__, str(err)]
    return None


def test_the_engine_refuses_random_illegal_settings_with_the_librarys_messages(open_page):
    page = open_page()
    cases = illegal_cases()
    got = run(page, "illegal", cases)
    kinds = set()
    for case, js in zip(cases, got, strict=True):
        expected = python_error(case)
        assert expected is not None, case
        assert "error" in js, (case, js)
        assert js["error"][0] == expected[0], (case, js, expected)
        if "rectangular numeric array" in expected[1]:  # numpy's own words follow the colon
            assert js["error"][1].split(":")[0] == expected[1].split(":")[0], (case, js)
        else:
            assert js["error"][1] == expected[1], (case, js, expected)
        kinds.add(re.sub(r"[-\d.]+|\(.*", "", expected[1]))
    assert len(cases) == 300 and len(kinds) >= 12, kinds  # every kind of rule was broken
    assert page.problems == []


def test_the_output_size_matches_the_library_for_every_setting_legal_or_not(open_page):
    page = open_page()
    rng = np.random.default_rng(2)
    cases = [[int(v) for v in rng.integers(lo, hi)] for lo, hi in
             [((-1, 0, 0, -1, -1, 0), (9, 6, 5, 5, 4, 4))] * 400]
    cases += [[4, 3, 2, 1, _fl(1.0), 1], [4, 3, "2", 1, 0, 1], [[4, 5], [3, 2], 2, [1, 0], 1, 1]]
    got = run(page, "sizes", cases)
    ok = 0
    for case, js in zip(cases, got, strict=True):
        args = [_python(v) for v in case]
        try:
            expected = {"value": tconv.conv_transpose_output_size(*args)}
            ok += 1
        except (ValueError, TypeError) as err:
            expected = {"error": [type(err).__name__, str(err)]}
        js = {k: (list(v) if isinstance(v, list) else v) for k, v in js.items()}
        expected = {k: (list(v) if isinstance(v, tuple) else v) for k, v in expected.items()}
        assert js == expected, case
    assert 50 < ok < len(cases) - 50  # both kinds, many of each


def _calls_reference(args) -> dict:
    """tconv.frameworks.same_layer_calls in the harness's layout (floats as PyFloat markers)."""
    py = [v["__float__"] if isinstance(v, dict) else v for v in args]
    try:
        calls = fw.same_layer_calls(*py)
    except (ValueError, TypeError) as err:
        return {"error": [type(err).__name__, str(err)]}
    return {"value": {name: c._asdict() for name, c in calls.items()}}


def test_the_same_layer_calls_are_tconvs_texts_on_400_random_settings_and_illegal_ones(open_page):
    page = open_page()
    rng = np.random.default_rng(7)
    legal = []
    for _ in range(400):
        k, s, d = (int(v) for v in rng.integers(1, [8, 5, 5]))
        legal.append([k, s, int(rng.integers(0, 6)), int(rng.integers(0, max(s, d))), d])
    # the cases, and the ones a framework refuses (Keras: stride and dilation > 1;
    # Keras and onnxruntime: output_padding >= stride, allowed by a larger dilation)
    legal += [[3, 2, 1, 1, 1], [4, 2, 1, 0, 1], [3, 2, 1, 0, 1], [3, 1, 1, 0, 1],
              [3, 2, 1, 1, 2], [3, 1, 0, 1, 2], [2, 1, 0, 2, 3], [5, 3, 0, 2, 1]]
    illegal = []
    for _ in range(150):
        case = [int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 3)), 0,
                int(rng.integers(1, 4))]
        j = int(rng.integers(0, 5))
        bad = rng.choice(["negative", "zero", "float", "output_padding"])
        if bad == "output_padding":
            case[3] = max(case[1], case[4]) + int(rng.integers(0, 2))
        elif bad == "float":
            case[j] = {"__float__": case[j] + 0.5}
        else:
            case[j] = -int(rng.integers(1, 3)) if bad == "negative" else 0
        illegal.append(case)
    got = run(page, "calls", legal + illegal)
    want = [_calls_reference(c) for c in legal + illegal]
    for case, a, b in zip(legal + illegal, got, want, strict=True):
        assert a == b, case
    assert all("value" in w for w in want[:len(legal)])
    assert sum("error" in w for w in want[len(legal):]) >= 120  # most illegal ones are refused
    refused = sum(not c["code"] for w in want[:len(legal)] for c in w["value"].values())
    assert refused >= 50  # Keras' and onnxruntime's rules are compared too, not only calls
    assert page.problems == []


def test_numbers_are_written_as_python_writes_them(open_page):
    page = open_page()
    rng = np.random.default_rng(3)
    values = [0.125, 2.5, 1.125, 0.5, 1.5, -0.0, 0.0, 9.995, 99.96, 123456.0, 1e-5, 1e16,
              1.5e16, 0.1, 1 / 3, -2.675, 1e-7]
    values += [float(v) for v in rng.normal(size=150) * 10.0 ** rng.integers(-6, 8, 150)]
    values += [float(v) / 8 for v in rng.integers(-400, 400, 60)]  # exact halves: ties
    specs = [".3g", ".2f", ".1e", ".0f", ".4g", ".1f"]
    cases = [[v, spec] for v in values for spec in specs]
    got = run(page, "formats", cases)
    assert [(v, s, g) for (v, s), g in zip(cases, got, strict=True) if format(v, s) != g] == []
    assert run(page, "reprs", values) == [repr(v) for v in values]


# ---------------------------------------------------------------- the frames

def frames(page: Page, name: str) -> list[list[tuple[str, str]]]:
    return run(page, "frames", name)


def test_the_scatter_frames_show_the_placements(open_page, site):
    page = open_page()
    for name in ("stepper", "crop"):
        obj = site[1][name]
        p = obj.placements
        (shown,) = frames(page, name)
        assert len(shown) == len(p) + 2
        for i, q in enumerate(p, start=1):
            t_input, t_kernel, t_contrib, t_canvas = tables(shown[i][0])
            assert values(t_input).tolist() == p.x.tolist()
            assert values(t_kernel).tolist() == p.kernel.tolist()
            assert values(t_contrib).tolist() == q.contribution.tolist()
            assert values(t_canvas).tolist() == q.canvas.tolist()
            counts = [[c["count"] or 0 for c in row] for row in t_canvas]
            assert counts == q.canvas_count.tolist()
            assert cells_with(t_input, "h") == {q.index}
            assert cells_with(t_canvas, "w") == set(q.footprint)
            every = set(np.ndindex(*p.crop.canvas_shape))
            kept = {rc for rc in every if p.crop.kept(*rc)}
            assert cells_with(t_canvas, "k") == (every - kept if p.padding != (0, 0) else set())
        final = tables(shown[-1][0])
        assert values(final[-1]).tolist() == p.output.tolist()
        first = tables(shown[0][0])
        assert not values(first[3]).any() and not cells_with(first[0], "h")


def test_the_scatter_captions_say_each_step(open_page):
    page = open_page()
    (shown,) = frames(page, "stepper")
    assert [c for _, c in shown] == [
        "Start: each of the 4 elements of the 2×2 input x will add a scaled copy of the 2×2 "
        "kernel, stride 1 apart, into a 3×3 canvas of zeros. The output will be 3×3.",
        "Step 1 of 4: x[0,0] = 1 times the kernel, added to out[0:2, 0:2].",
        "Step 2 of 4: x[0,1] = 2 times the kernel, added to out[0:2, 1:3].",
        "Step 3 of 4: x[1,0] = 3 times the kernel, added to out[1:3, 0:2].",
        "Step 4 of 4: x[1,1] = 4 times the kernel, added to out[1:3, 1:3].",
        "Result: the 4 placements sum to the 3×3 output; each output cell received 1 to 4 "
        "products."]
    (crop,) = frames(page, "crop")
    assert "Then padding 1 crops 1 row from the top" in crop[0][1]
    assert "output_padding 1 keeps 1 more row at the bottom" in crop[0][1]
    assert crop[1][1] == ("Step 1 of 4: x[0,0] = 1 times the kernel, added to full[0:3, 0:3], "
                          "which is out[0:2, 0:2].")
    assert crop[4][1].endswith("added to full[2:5, 2:5], which is out[1:4, 1:4].")


def test_the_gather_frames_show_each_cells_products(open_page):
    page = open_page()
    (shown,) = frames(page, "gather")
    y = tconv.conv_transpose2d(np.array(X), np.array(K))
    assert len(shown) == y.size
    for i, (r, c) in enumerate(np.ndindex(*y.shape)):
        terms = tconv.gather(X, K, (r, c))
        t_x, t_k, t_out = tables(shown[i][0])
        letters = {t.input_index: chr(65 + n) for n, t in enumerate(terms)}
        assert {rc: t_x[rc[0]][rc[1]]["tag"] for rc in cells_with(t_x, "h")} == letters
        assert {rc: t_k[rc[0]][rc[1]]["tag"] for rc in cells_with(t_k, "h")} == {
            t.kernel_index: chr(65 + n) for n, t in enumerate(terms)}
        assert cells_with(t_out, "w") == {(r, c)}
        assert values(t_out).ravel()[:i + 1].tolist() == y.ravel()[:i + 1].tolist()
        products = " + ".join(str(t.product) for t in terms)
        assert shown[i][1].endswith(f"= {products} = {y[r, c]}.")
    assert shown[4][1] == ("out[1,1] gathers 4 products: x[0,0]·kernel[1,1] + x[0,1]·kernel[1,0]"
                           " + x[1,0]·kernel[0,1] + x[1,1]·kernel[0,0] = 2 + 8 + 9 + 4 = 23.")


def test_the_direct_frames_slide_the_turned_kernel_over_the_zero_inserted_input(open_page):
    page = open_page()
    direct, scatter = frames(page, "pair")
    kw = dict(stride=2, padding=1)
    z = zero_insertion_input(X, K9, **kw)
    y = tconv.conv_transpose2d(np.array(X), np.array(K9), **kw)
    assert len(direct) == y.size and len(scatter) == len(X) * 2 + 2
    for i, (r, c) in enumerate(np.ndindex(*y.shape)):
        t_z, t_turned, t_out = tables(direct[i][0])
        assert values(t_z).tolist() == z.tolist()
        assert values(t_turned).tolist() == np.rot90(K9, 2).tolist()
        window = {(r + a, c + b) for a in range(3) for b in range(3)}
        assert cells_with(t_z, "w") | cells_with(t_z, "h") == window
        real = {(1 + 2 * u, 1 + 2 * v) for u in range(2) for v in range(2)}
        assert cells_with(t_z, "h") == window & real
        every = {(a, b) for a in range(5) for b in range(5)}
        assert cells_with(t_z, "z") == every - real  # the zeros put in
        assert values(t_out).ravel()[:i + 1].tolist() == y.ravel()[:i + 1].tolist()
    assert values(tables(scatter[-1][0])[-1]).tolist() == y.tolist()  # the same output
    assert direct[4][1] == ("out[1,1]: the turned kernel over z[1:4, 1:4]: 4 of its 9 cells "
                            "meet input values, 9·1 + 7·2 + 3·3 + 1·4 = 36.")


def test_the_rows_frames_are_rows_of_ct_times_x(open_page, site):
    page = open_page()
    (shown,) = frames(page, "rows")
    view = site[1]["rows"]
    kw = dict(stride=2, padding=1)
    out = tconv.conv_transpose2d(np.array(X), np.array(K9), **kw)
    for i, (r, c) in enumerate(np.ndindex(*out.shape)):
        x_t, k_t, ct_t, out_t = tables(shown[i][0])
        assert values(ct_t).tolist() == view.CT.tolist()
        assert values(x_t).tolist() == view.x_padded.tolist()
        terms = tconv.gather(X, K9, (r, c), **kw)
        W = view.x_padded.shape[1]
        assert cells_with(x_t, "h") == {t.input_index for t in terms}
        assert cells_with(k_t, "h") == {t.kernel_index for t in terms}
        assert cells_with(ct_t, "h") == {(i, a * W + b) for a, b in (t.input_index for t in terms)}
        assert cells_with(ct_t, "r") | cells_with(ct_t, "h") == {(i, j) for j in range(W * W)}
        assert cells_with(out_t, "w") == {(r, c)}
    assert shown[0][1] == ("out[0,0] = row 0 of Cᵀ · x = 5·x[0,0] = 5. Row 0 holds kernel values "
                           "in column 0, the inputs whose kernel copies cover out[0,0], and 0 "
                           "elsewhere.")


def test_every_player_is_complete_before_any_edit(open_page, site):
    page = open_page()
    expected = {"stepper": 6, "crop": 6, "gather": 9, "pair": 9, "rows": 9, "size": 1,
                "chooser": 6, "frames": 3}
    for name, n in expected.items():
        root = page.root(name)
        assert root.get_attribute("data-frames") == str(n), name
        assert root.get_attribute("role") == "group" and root.get_attribute("aria-label")
        assert root.locator(".tconv-frame").inner_html().strip(), name
    # each output keeps its stylesheet (a player draws beside it, never over it)
    assert page.page.evaluate("""() => Array.from(
        document.querySelectorAll('section > .tconv-widget'))
        .every(w => w.querySelector(':scope > style.tconv-css'))""")
    box = page.page.locator("#bad .tconv-error")
    assert box.inner_text() == f"Invalid settings: {site[1]['bad'].error}"
    assert page.page.locator("#bad .tconv-player").count() == 0
    assert page.problems == []


# ---------------------------------------------------------------- editing

def out_table(page: Page, name: str, view: int = 0) -> list[list[float]]:
    root = page.root(name, view)
    root.locator("[data-action=last]").click()
    return values(tables(root.locator(".tconv-frame").inner_html())[-1]).tolist()


def test_a_stepper_is_edited_with_the_keyboard(open_page):
    page = open_page()
    root, pg = page.root("stepper"), page.page
    root.locator("[data-action=last]").click()
    assert root.get_attribute("data-frame") == "5"
    edit = root.locator("[data-action=edit]")
    edit.focus()
    pg.keyboard.press("Enter")
    assert edit.get_attribute("aria-expanded") == "true"
    pg.keyboard.press("Tab")  # Reset
    pg.keyboard.press("Tab")  # x
    assert pg.evaluate("document.activeElement.name") == "x"
    pg.keyboard.press("Control+a")
    pg.keyboard.type("1 0 2; 0 1 0")
    assert root.get_attribute("data-frame") == "0"  # back to the start on every change
    assert root.get_attribute("data-frames") == str(6 + 2)
    for _ in range(2):  # kernel, then stride
        pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.name") == "stride"
    pg.keyboard.press("ArrowUp")  # stride 2
    x = [[1, 0, 2], [0, 1, 0]]
    expected = tconv.conv_transpose2d(np.array(x), np.array(K), stride=2)
    assert out_table(page, "stepper") == expected.tolist()
    assert "stride 2" in root.get_attribute("aria-label")  # the title follows the numbers
    assert page.problems == []


def test_a_stepper_is_edited_with_the_mouse_and_reset(open_page):
    page = open_page()
    root = page.root("crop")
    root.locator("[data-action=edit]").click()
    root.locator("input[name=kernel]").fill("1 2; 3 4")
    root.locator("input[name=padding]").fill("0")
    kw = dict(stride=2, padding=0, output_padding=1)
    expected = tconv.conv_transpose2d(np.ones((2, 2), int), np.array([[1, 2], [3, 4]]), **kw)
    assert out_table(page, "crop") == expected.tolist()
    root.locator("[data-action=reset]").click()
    assert root.locator("input[name=kernel]").input_value() == "1 1 1; 1 1 1; 1 1 1"
    reset = tconv.conv_transpose2d(np.ones((2, 2), int), np.ones((3, 3), int), stride=2,
                                   padding=1, output_padding=1)
    assert out_table(page, "crop") == reset.tolist()
    assert page.problems == []


def test_an_invalid_edit_shows_the_librarys_message_and_keeps_the_last_frames(open_page):
    page = open_page()
    root = page.root("stepper")
    root.locator("[data-action=edit]").click()
    root.locator("input[name=stride]").fill("2")
    before = root.locator(".tconv-frame").inner_html()
    root.locator("input[name=output_padding]").fill("2")
    with pytest.raises(ValueError) as lib:
        tconv.placements(X, K, stride=2, output_padding=2)
    box = root.locator(".tconv-error")
    assert box.is_visible() and box.get_attribute("role") == "alert"
    assert box.inner_text() == f"Invalid settings: {lib.value}"
    assert root.locator(".tconv-frame").inner_html() == before  # the last valid frames stay
    field = root.locator("input[name=output_padding]")
    assert field.get_attribute("aria-invalid") == "true"
    assert box.get_attribute("id") in field.get_attribute("aria-describedby")
    assert root.locator("input[name=stride]").get_attribute("aria-invalid") == "false"
    root.locator("input[name=x]").fill("1 2; 3")  # another rule, another message
    assert box.inner_text().startswith("Invalid settings: x must be a rectangular numeric array")
    root.locator("input[name=x]").fill("1 2; 3 4")
    field.fill("1")
    assert box.is_hidden() and field.get_attribute("aria-invalid") == "false"
    assert page.problems == []


def test_the_editors_own_bounds_and_the_budget_have_their_messages(open_page, site):
    page = open_page()
    root = page.root("stepper")
    root.locator("[data-action=edit]").click()
    root.locator("input[name=x]").fill("; ".join(["1 1 1 1 1 1 1"] * 2))
    assert root.locator(".tconv-error").inner_text() == (
        "Invalid settings: x is 2×7: this player edits grids of up to 6×6")
    data = site[1]["stepper"].data()
    data["bounds"] = dict(data["bounds"], stride=1000)  # a page that allows any stride
    text = run(page, "budget", [data, {"stride": "1000"}])
    assert text == "Invalid settings: " + Stepper(X, K, stride=1000).error  # Python's words


def test_the_pair_shares_one_editor(open_page):
    page = open_page()
    pair = page.page.locator("#pair .tconv-pair")
    pair.locator("[data-action=edit]").click()
    pair.locator("input[name=stride]").fill("3")
    pair.locator("input[name=x]").fill("1 -2; 0 5; 2 2")
    x = np.array([[1, -2], [0, 5], [2, 2]])
    y = tconv.conv_transpose2d(x, np.array(K9), stride=3, padding=1)
    assert out_table(page, "pair", 0) == y.tolist() == out_table(page, "pair", 1)
    assert page.root("pair", 0).get_attribute("data-frames") == str(y.size)
    assert page.root("pair", 1).get_attribute("data-frames") == str(x.size + 2)
    assert page.problems == []


def test_the_calculator_recomputes_and_shows_an_error_once(open_page):
    page = open_page()
    root = page.root("size")
    root.locator("input[name=size]").fill("11")
    assert "output size 22" in root.locator(".tconv-frame").inner_text()
    assert tconv.conv_transpose_output_size(11, 3, 2, 1, 1) == 22
    root.locator("input[name=output_padding]").fill("3")
    with pytest.raises(ValueError) as lib:
        tconv.conv_transpose_output_size(11, 3, 2, 1, 3)
    assert root.locator(".tconv-error").inner_text() == f"Invalid settings: {lib.value}"
    assert root.locator(".tconv-frame").is_hidden()  # the message is shown once
    assert str(lib.value) not in root.locator(".tconv-caption").inner_text()
    assert page.problems == []


def _shown_calls(root) -> dict:
    """The calculator's "same layer" table: framework -> (code, note) as the page shows them."""
    rows = root.locator(".tconv-calls tbody tr").all()
    shown = {}
    for row in rows:
        code = row.locator("code")
        shown[row.locator("th").inner_text()] = (
            code.text_content() if code.count() else "",
            row.locator(".tcfn, .tcfr").text_content())
    return shown


def test_the_calculators_same_layer_view_follows_an_edit_of_the_stride(open_page):
    page = open_page()
    root = page.root("size")
    table = root.locator(".tconv-calls table")
    assert table.locator("caption").inner_text() == "The same layer in other frameworks"
    assert _shown_calls(root) == {name: tuple(c) for name, c in
                                  fw.same_layer_calls(3, 2, 1, 1).items()}
    assert "Cropping2D" in _shown_calls(root)["Keras"][0]  # k 3, s 2, p 1, a 1: Keras crops
    root.locator("input[name=output_padding]").fill("0")
    root.locator("input[name=stride]").fill("1")
    shown = _shown_calls(root)
    assert shown == {name: tuple(c) for name, c in fw.same_layer_calls(3, 1, 1, 0).items()}
    assert shown["Keras"][0] == 'layers.Conv2DTranspose(C_out, 3, padding="same")'
    root.locator("input[name=dilation]").fill("2")
    root.locator("input[name=stride]").fill("2")  # Keras refuses stride 2 with dilation 2
    shown = _shown_calls(root)
    assert shown["Keras"] == ("", fw.same_layer_calls(3, 2, 1, 0, 2)["Keras"].note)
    assert shown["JAX"][0] == fw.same_layer_calls(3, 2, 1, 0, 2)["JAX"].code
    root.locator("input[name=stride]").fill("0")  # invalid: the error box alone
    assert root.locator(".tconv-error").is_visible() and root.locator(".tconv-calls").is_hidden()
    root.locator("input[name=stride]").fill("4")
    assert root.locator(".tconv-calls").is_visible()
    assert _shown_calls(root)["PyTorch"][0] == fw.same_layer_calls(3, 4, 1, 0, 2)["PyTorch"].code
    assert page.problems == []


def test_a_link_restores_the_numbers(open_page, browser):
    page = open_page()
    root = page.root("gather")
    root.locator("[data-action=edit]").click()
    root.locator("input[name=kernel]").fill("1 1; 1 -1")
    root.locator("input[name=dilation]").fill("2")
    pid = root.get_attribute("id")
    url = page.page.url
    assert f"#{pid}:x=1,2;3,4&kernel=1,1;1,-1&stride=1&padding=0&output_padding=0&dilation=2" \
        in url
    link = root.locator("a.tconv-link")
    assert link.is_visible() and link.get_attribute("href") == url[url.index("#"):]
    again = open_page(url[url.index("#"):])
    root2 = again.root("gather")
    assert root2.locator("input[name=dilation]").input_value() == "2"
    assert root2.locator(".tconv-form").is_visible()
    y = tconv.conv_transpose2d(np.array(X), np.array([[1, 1], [1, -1]]), dilation=2)
    assert out_table(again, "gather") == y.tolist()
    root2.locator("[data-action=reset]").click()
    assert "#" not in again.page.url and root2.locator("input[name=dilation]").input_value() == "1"
    assert again.problems == [] and page.problems == []


def test_a_link_with_bad_numbers_shows_the_message_not_a_crash(open_page, site):
    pid = site[1]["stepper"].data()["id"]
    page = open_page(f"#{pid}:stride=0")
    assert page.root("stepper").locator(".tconv-error").inner_text() == (
        "Invalid settings: stride must be positive, got 0")
    assert page.root("stepper").get_attribute("data-frames") == "6"  # the example stays
    assert page.problems == []


def test_pre_rendered_players_step_and_choose(open_page):
    page = open_page()
    root = page.root("frames")
    root.locator("[data-action=next]").click()
    assert root.locator(".tconv-caption").inner_text() == "second"
    chooser = page.root("chooser")
    chooser.locator("select[data-param=s]").select_option("3")
    assert chooser.locator(".tconv-frame").inner_text() == "2"  # (1 - 1)·3 + 2
    chooser.locator("select[data-param=n]").select_option("2")
    assert chooser.locator(".tconv-frame").inner_text() == "5"
    assert chooser.get_attribute("data-frame") == "5"


# ---------------------------------------------------------------- accessibility

@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_axe_violation_with_every_editor_open_and_an_error_shown(open_page, scheme):
    page = open_page(color_scheme=scheme)
    for button in page.page.locator("[data-action=edit]:visible").all():
        button.click()
    page.root("stepper").locator("input[name=stride]").fill("0")  # an error box too
    violations = axe_violations(page.page)
    assert violations == [], describe(violations)
    page.page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
    violations = axe_violations(page.page, ["color-contrast"])
    assert violations == [], describe(violations)


# ---------------------------------------------------------------- on paper

PAPER = """() => [...document.querySelectorAll('.tconv-player')].map(p => ({
  id: p.closest('section').id, seq: p.classList.contains('tconv-seq'),
  printed: [...p.querySelectorAll(':scope > .tconv-paper > .tconv-pframe')].map(f => [
    f.querySelector('.tconv-pbody').innerHTML, f.querySelector('figcaption').textContent]),
  hidden: [...p.querySelectorAll('.tconv-controls, .tconv-edit, .tconv-count')]
    .every(e => !e.checkVisibility()),
  screen: [...p.querySelectorAll(':scope > .tconv-frames')].filter(e => e.checkVisibility()).length,
}))"""


def test_on_paper_a_stepper_prints_every_frame_with_its_caption_and_no_controls(open_page):
    page = open_page()
    page.page.emulate_media(media="print")
    screen = {name: frames(page, name) for name in ("stepper", "crop", "gather", "pair", "frames")}
    page.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    printed = page.page.evaluate(PAPER)
    for name, shown in screen.items():
        players_ = [p for p in printed if p["id"] == name]
        assert len(players_) == len(shown), name
        for player, frames_ in zip(players_, shown, strict=True):
            assert player["seq"] and player["hidden"] and player["screen"] == 0, name
            assert [html for html, _ in player["printed"]] == [html for html, _ in frames_]
            assert [c for _, c in player["printed"]] == [
                f"{i}. {c}" for i, (_, c) in enumerate(frames_, start=1)]
    chooser = next(p for p in printed if p["id"] == "chooser")
    assert chooser["printed"] == [] and chooser["hidden"] and chooser["screen"] == 1
    page.page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert all(p["printed"] == [] for p in page.page.evaluate(PAPER))
    assert page.problems == []


def test_on_paper_a_long_stepper_prints_key_frames_from_first_to_last(open_page):
    page = open_page()
    page.page.emulate_media(media="print")
    n = 40
    data = {"kind": "frames", "id": "long", "title": "Long", "note": "", "interval": 900,
            "frames": [f"<b>{i}</b>" for i in range(n)], "captions": [f"c{i}" for i in range(n)]}
    page.page.evaluate(
        """([sha, data]) => window.tconvModules[sha].then(m => {
             const s = document.createElement('section'); s.id = 'long';
             document.body.append(s); m.mount(s, data); })""", [SHA, data])
    page.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    (long,) = [p for p in page.page.evaluate(PAPER) if p["id"] == "long"]
    numbers = [int(c.split(".")[0]) for _, c in long["printed"]]
    assert len(numbers) == 12 and numbers[0] == 1 and numbers[-1] == n
    assert numbers == sorted(set(numbers))
    assert all(html == f"<b>{k - 1}</b>" for (html, _), k in zip(long["printed"], numbers,
                                                                  strict=True))
    assert page.page.locator("#long .tconv-pnote").inner_text().startswith("12 key frames of 40")


MOUNT_AND_READ = """([sha, datas]) => window.tconvModules[sha].then((m) => datas.map((data) => {
  const el = document.createElement('div');
  document.body.append(el);
  m.mount(el, data);
  const root = el.querySelector('.tconv-player');
  const caption = () => root.querySelector('.tconv-caption').textContent;
  const out = {title: root.querySelector('.tconv-title').textContent};
  const slider = root.querySelector('input[data-action=seek]');
  if (slider) { slider.value = 1; slider.dispatchEvent(new Event('input', {bubbles: true})); }
  out.caption = caption();
  const size = el.querySelector('input[name=size]');
  if (size) {
    size.value = '5';
    size.dispatchEvent(new Event('input', {bubbles: true}));
    out.edited = caption();
  }
  el.remove();
  return out;
}))"""


def test_a_chinese_player_writes_what_tconv_writes_in_chinese(open_page):
    """The module's words come from tconv's catalog: in Chinese, a title, a step's caption and
    the calculator's result are the texts Python's tr/_ give for the same numbers."""
    from tconv.show import text

    text.set_language("zh_CN")
    try:
        made = [MatrixRowStepper(X, K9, stride=2, padding=1), Stepper(X, K),
                OutputSizeCalculator(size=4, kernel_size=3, stride=2, padding=1)]
        datas = [obj._resolved() for obj in made]
        rows_title = text.tr(MatrixRowStepper.kind_title)
        step = text._("Step {step} of {steps}: x[{i},{j}] = {value} times the kernel, added to "
                      "{where}.", step=1, steps=4, i=0, j=0, value=1, where="out[0:2, 0:2]")
        size = text._("Output size {size}.",
                      size=tconv.conv_transpose_output_size(5, 3, stride=2, padding=1))
    finally:
        text.set_language(None)
    assert all(text.has_cjk(t) for t in (rows_title, step, size))
    page = open_page()
    rows, stepper, calculator = page.page.evaluate(MOUNT_AND_READ, [SHA, datas])
    assert rows["title"] == rows_title == datas[0]["title"]
    assert stepper["caption"] == step
    assert text.has_cjk(stepper["title"]) and "2×2" in stepper["title"]
    assert calculator["edited"] == size
    assert page.problems == []
