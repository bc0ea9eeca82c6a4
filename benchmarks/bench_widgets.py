"""The book's players: step latency, recompute time after an edit, and weight.

Every player is drawn by one ES module (``lib/tconv/show/player.js``), the same in JupyterLab
(an anywidget) and in the book, so its latency is measured where it runs: in Chromium
(Debian's, driven by Playwright), on a page holding the book's players as the book has them.

- **step**: a click on Next: the module draws the next frame, and the browser computes its
  style and layout (forced at once): "work". Then the time to the next animation frame, when
  it paints ("to frame": includes waiting for the display's next refresh, up to 16.7 ms).
- **edit**: a change in an edit field (the stride, or the calculator's input size): the
  module checks the numbers with the library's rules, recomputes every frame's data, draws
  frame 0, and the browser lays it out ("work", budget 16 ms); then "to frame" as above.
- **Python**: building each object's data (the library's own check and placements).
- **weight**: the module and the stylesheet (raw and gzip), and each player's data.

    python benchmarks/bench_widgets.py [--rounds N]
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
from tconv.book.many_names import MatrixRowStepper
from tconv.book.stride_padding import OutputSizeCalculator
from tconv.show import DirectStepper, GatherStepper, Stepper
from tconv.show.player import css_text, module_text

X = [[1, 2], [3, 4]]
K = [[1, 3], [4, 2]]
K9 = np.arange(1, 10).reshape(3, 3)
ONES = np.ones((3, 3), int)


def book_players() -> dict:
    """The editable players of the book's chapters, as the chapters make them."""
    return {
        "step-by-step: stride 1": lambda: Stepper(X, K, title="2×2 input, 2×2 kernel, stride 1"),
        "step-by-step: stride 2": lambda: Stepper(X, K, stride=2),
        "step-by-step: gather": lambda: GatherStepper(X, K),
        "step-by-step: 3×3 ones, s2": lambda: Stepper(X, ONES, stride=2),
        "stride-padding: s3": lambda: Stepper(X, ONES, stride=3),
        "stride-padding: s2 p1": lambda: Stepper(X, ONES, stride=2, padding=1),
        "many-names: direct + scatter": lambda: DirectStepper(X, K9, stride=2, padding=1),
        "many-names: rows of Cᵀ": lambda: MatrixRowStepper(X, K9, stride=2, padding=1),
        "stride-padding: calculator": lambda: OutputSizeCalculator(4, 3, 2, 1, 1),
        "largest edit: 6×6, k 6, s4 d3": lambda: Stepper(np.arange(36).reshape(6, 6),
                                                         np.arange(36).reshape(6, 6) % 7,
                                                         stride=4, dilation=3),
    }


# One action and its timing, in the page: the work done synchronously by the module's event
# handler, then the time to the next animation frame.
MEASURE = """async ([index, kind, rounds]) => {
  const w = document.querySelectorAll('.tconv-widget[data-tconv-module]')[index];
  const root = w.querySelector('.tconv-player');
  const frame = () => new Promise(r => requestAnimationFrame(() => r(performance.now())));
  const work = [], paint = [];
  const field = (name) => w.querySelector(`input[name=${name}]`);
  const edits = kind !== 'edit' ? null : field('stride') ? ['stride', ['2', '3']]
    : field('size') ? ['size', ['5', '6']] : null;
  if (kind === 'edit' && !edits) return null;
  for (let i = 0; i < rounds; i++) {
    await frame();
    const t0 = performance.now();
    if (kind === 'step') {
      const next = root.querySelector('[data-action=next]');
      if (!next) return null;
      root.querySelector(+root.dataset.frame >= +root.dataset.frames - 1
                         ? '[data-action=first]' : '[data-action=next]').click();
    } else {
      const input = field(edits[0]);
      input.value = edits[1][i % 2];
      input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    root.getBoundingClientRect();  // style and layout done now, not at the next frame
    const t1 = performance.now();
    const t2 = await frame();
    work.push(t1 - t0);
    paint.push(t2 - t0);
  }
  return {work, paint};
}"""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def p95(values) -> float:
    return float(np.percentile(values, 95))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
        pass


def serve(folder: Path):
    handler = partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=60, help="actions per player and kind")
    args = parser.parse_args()
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start")
    module, css = module_text().encode(), css_text().encode()
    for name, text in (("player.js", module), ("player.css", css)):
        packed = len(gzip.compress(text, 9))
        print(f"{name}: {len(text) / 1000:.1f} KB, gzip {packed / 1000:.1f} KB")

    makers = book_players()
    built, pages = {}, []
    print(f"\n{'player':32} {'Python data ms':>15} {'data KB':>8}")
    for name, make in makers.items():
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            obj = make()
            data = obj.data()
            times.append((time.perf_counter() - t0) * 1e3)
        built[name] = obj
        pages.append(obj.to_html())
        print(f"{name:32} {statistics.median(times):15.2f} {len(json.dumps(data)) / 1000:8.1f}")

    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium")
    if exe is None:
        sys.exit("Chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "index.html").write_text(
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>'
            f"</head><body>{''.join(pages)}</body></html>", encoding="utf-8")
        server = serve(Path(tmp))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True,
                                         args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html",
                      wait_until="networkidle")
            page.wait_for_function("n => document.querySelectorAll('.tconv-player').length >= n",
                                   arg=len(pages))
            print(f"\nIn Chromium ({browser.version}), {args.rounds} actions each; "
                  "ms, median / p95")
            print(f"{'player':32} {'step: work':>14} {'step: to frame':>15} "
                  f"{'edit: work':>14} {'edit: to frame':>15}")
            everything = {"step": [], "edit": []}
            for index, name in enumerate(makers):
                row = f"{name:32}"
                for kind in ("step", "edit"):
                    got = page.evaluate(MEASURE, [index, kind, args.rounds])
                    if got is None:
                        row += f" {'-':>14} {'-':>15}"
                        continue
                    everything[kind] += got["work"]
                    row += (f" {statistics.median(got['work']):6.2f} / {p95(got['work']):5.2f}"
                            f" {statistics.median(got['paint']):7.2f} / {p95(got['paint']):5.2f}")
                print(row)
            for kind, values in everything.items():
                print(f"all {kind}s: work median {statistics.median(values):.2f} ms, "
                      f"p95 {p95(values):.2f} ms, max {max(values):.2f} ms ({len(values)})")
            browser.close()
        server.shutdown()
    print(f"Load average {os.getloadavg()[0]:.2f} at the end. Budget: an edit's recompute and "
          f"redraw <= 16 ms.")


if __name__ == "__main__":
    main()
