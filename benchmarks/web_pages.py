"""Lighthouse on every page of the built book, served compressed as a static host serves it.

``make bench-web`` installs Lighthouse 12 from npm into ``benchmarks/.node/`` (gitignored),
builds the book, then runs this script: it serves the build with ``scripts/serve_book.py``
(its precompressed ``.gz`` files, like nginx ``gzip_static``; ``--brotli`` for the ``.br``
ones) on 127.0.0.1 and runs Lighthouse's
default mobile profile (simulated slow 4G, 4x CPU slowdown) with Debian's Chromium on every
HTML page of the site (the root's redirect excepted), a ``zh/`` edition included. It writes
a table of the scores, the three page-speed metrics the issue budgets (LCP, TBT, CLS) and the
bytes of each page's first view into ``benchmarks/README.md``, between the markers of the
chosen section, with the machine it ran on; the raw reports go to ``benchmarks/results/``.

    python benchmarks/web_pages.py --lighthouse benchmarks/.node/node_modules/.bin/lighthouse
    python benchmarks/web_pages.py ... --runs 3 --page chapters/checkerboard  # re-run one page

A benchmark, not a test: scores move by several points between runs on a busy machine, so
compare pages measured in one run, and re-run the worst pages (``--page``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
RESULTS = ROOT / "benchmarks" / "results" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run"
# Not pages of the book: the build's assets, and the lecture decks (`make slides`: reveal.js
# pages for a projector, cut from the chapters this measures).
SKIP_FOLDERS = {"_static", "_sources", "_images", "reports", "_downloads", "slides", "_reveal"}

# The bar of issue 20.
BAR = {"performance": 95, "lcp_s": 2.5, "tbt_ms": 150, "cls": 0.05, "other": 100}


def load_server_module():
    spec = importlib.util.spec_from_file_location("serve_book", ROOT / "scripts" / "serve_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site_pages(html: Path) -> list[str]:
    """Every page of the site, relative to the HTML folder, without the root's redirect."""
    pages = []
    for path in sorted(html.rglob("*.html")):
        relative = path.relative_to(html)
        if SKIP_FOLDERS & set(relative.parts):
            continue
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8", errors="replace")[:2000]:
            continue
        pages.append(relative.with_suffix("").as_posix())
    return pages


@dataclass
class Result:
    page: str
    performance: int
    accessibility: int
    best_practices: int
    seo: int
    lcp_s: float
    tbt_ms: float
    cls: float
    fcp_s: float
    transfer_kb: float
    js_kb: float

    def meets_bar(self) -> bool:
        return (self.performance >= BAR["performance"] and self.lcp_s <= BAR["lcp_s"]
                and self.tbt_ms <= BAR["tbt_ms"] and self.cls <= BAR["cls"]
                and min(self.accessibility, self.best_practices, self.seo) >= BAR["other"])


def parse_report(page: str, report: dict) -> Result:
    audits, categories = report["audits"], report["categories"]

    def score(name: str) -> int:
        return round(100 * (categories[name]["score"] or 0))

    summary = {item["resourceType"]: item["transferSize"]
               for item in audits["resource-summary"]["details"]["items"]}
    return Result(
        page=page,
        performance=score("performance"),
        accessibility=score("accessibility"),
        best_practices=score("best-practices"),
        seo=score("seo"),
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        cls=audits["cumulative-layout-shift"]["numericValue"],
        fcp_s=audits["first-contentful-paint"]["numericValue"] / 1000,
        transfer_kb=summary.get("total", 0) / 1000,
        js_kb=summary.get("script", 0) / 1000,
    )


def run_lighthouse(lighthouse: str, url: str, out: Path) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed: apt-get update && apt-get install -y chromium")
    command = [lighthouse, url, "--output=json", f"--output-path={out}", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chromium})
    return json.loads(out.read_text(encoding="utf-8"))


def machine(lighthouse_version: str, benchmark_index: float | None, loads: list[str]) -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s*(\d+)", meminfo.read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        found = re.search(r'PRETTY_NAME="([^"]+)"', release.read_text())
        os_name = found.group(1) if found else os_name
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True)
    browser = chromium.stdout.strip().splitlines()[-1] if chromium.stdout.strip() else "?"
    index = f", Lighthouse benchmarkIndex {benchmark_index:.0f}" if benchmark_index else ""
    return (f"{cpu}, {os.cpu_count()} vCPUs{memory}, {os_name}; {browser}; "
            f"Lighthouse {lighthouse_version} (mobile, simulated throttling){index}; "
            f"load average {' → '.join(loads)}")


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def table(results: list[Result]) -> str:
    lines = [
        "| Page | Perf | LCP s | TBT ms | CLS | FCP s | A11y | BP | SEO | KB gzip | JS KB | Bar |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.page} | {r.performance} | {r.lcp_s:.1f} | {r.tbt_ms:.0f} | {r.cls:.3f} | "
            f"{r.fcp_s:.1f} | {r.accessibility} | {r.best_practices} | {r.seo} | "
            f"{r.transfer_kb:.0f} | {r.js_kb:.0f} | {'met' if r.meets_bar() else 'not met'} |"
        )
    return "\n".join(lines)


def write_section(section: str, text: str) -> None:
    """Replace the text between this section's markers in benchmarks/README.md (or append)."""
    start, end = f"<!-- web-pages:{section}:start -->", f"<!-- web-pages:{section}:end -->"
    readme = README.read_text(encoding="utf-8")
    block = f"{start}\n{text}\n{end}"
    if start in readme and end in readme:
        readme = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, readme,
                        flags=re.S)
    else:
        readme = readme.rstrip("\n") + f"\n\n{block}\n"
    README.write_text(readme, encoding="utf-8")


def median_run(reports: list[dict]) -> dict:
    """The run whose performance score is the median (the lower one for an even count)."""
    ordered = sorted(reports, key=lambda r: r["categories"]["performance"]["score"] or 0)
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--lighthouse", default=str(ROOT / "benchmarks" / ".node" /
                                                    "node_modules" / ".bin" / "lighthouse"))
    parser.add_argument("--runs", type=int, default=1,
                        help="Lighthouse runs per page; the table shows the median run")
    parser.add_argument("--page", action="append",
                        help="only this page (e.g. chapters/checkerboard); repeatable")
    parser.add_argument("--section", default="latest",
                        help="the README section to write (markers web-pages:SECTION:start/end)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--brotli", action="store_true",
                        help="serve the .br copies to Chromium too (default: gzip only, the "
                             "issue's condition)")
    args = parser.parse_args()

    if not Path(args.lighthouse).exists():
        sys.exit(f"{args.lighthouse} not found: run `make bench-web` (it installs Lighthouse)")
    version = subprocess.run([args.lighthouse, "--version"], capture_output=True,
                             text=True).stdout.strip()
    pages = args.page or site_pages(args.html)
    RESULTS.mkdir(parents=True, exist_ok=True)
    server_module = load_server_module()
    results, index, loads = [], None, [load_average()]
    codings = ("br", "gzip") if args.brotli else ("gzip",)
    with server_module.BackgroundServer(args.html, codings=codings) as base:
        for page in pages:
            reports = []
            for run in range(args.runs):
                out = RESULTS / f"{page.replace('/', '__')}.{run}.json"
                reports.append(run_lighthouse(args.lighthouse, f"{base}{page}.html", out))
            report = median_run(reports)
            index = report["environment"].get("benchmarkIndex", index)
            result = parse_report(page, report)
            results.append(result)
            scores = [round(100 * (r["categories"]["performance"]["score"] or 0)) for r in reports]
            print(f"{page}: performance {result.performance} (runs: {scores}), "
                  f"LCP {result.lcp_s:.1f} s, TBT {result.tbt_ms:.0f} ms, CLS {result.cls:.3f}, "
                  f"{result.transfer_kb:.0f} KB, JS {result.js_kb:.0f} KB", flush=True)
    loads.append(load_average())

    worst = min(results, key=lambda r: r.performance)
    met = sum(r.meets_bar() for r in results)
    median_perf = statistics.median(r.performance for r in results)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"Run on {when}, served {' or '.join(codings)}, {args.runs} Lighthouse run(s) per page "
        f"(median run shown), "
        f"{len(results)} pages; machine: {machine(version, index, loads)}.\n"
        f"Bar met on {met} of {len(results)} pages; median performance {median_perf:g}, "
        f"worst {worst.performance} ({worst.page}).\n\n{table(results)}"
    )
    print("\n" + text)
    if not args.no_write and not args.page:
        write_section(args.section, text)
        print(f"\nWritten to {README.relative_to(ROOT)} (section {args.section!r}).")


if __name__ == "__main__":
    main()
