"""Live step latency and static page weight of the book's steppers.

Latency: the time from setting the live widget's slider to the frame HTML being updated
(the Python side of one step: the observer runs, renders the frame and sets the HTML
widget's value). "first visit" renders the frame; "revisit" finds it cached. Measured twice:
in this process (no frontend: widget messages go nowhere) and inside a Jupyter kernel run by
nbclient (messages are serialised and sent to the client). The browser's own repaint is not
included. Size: bytes of the static ``text/html`` player, raw and gzipped.

    python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import gzip
import os
import platform
import statistics
import time

import numpy as np
from tconv.show import Stepper


def book_steppers() -> dict[str, Stepper]:
    """The steppers of the book's chapters (issue 3 and 5), with two-digit signed values."""
    rng = np.random.default_rng(0)
    return {
        "2x2 * 2x2, s1 (step-by-step)": Stepper([[1, 2], [3, 4]], [[1, 3], [4, 2]]),
        "3x3 * 3x3, s2": Stepper(rng.integers(-9, 10, (3, 3)), rng.integers(-9, 10, (3, 3)),
                                 stride=2),
        "4x4 * 4x4, s2 p1": Stepper(rng.integers(-9, 10, (4, 4)),
                                    rng.integers(-9, 10, (4, 4)), stride=2, padding=1),
        "3x3 * 3x3, s2 p1 op1": Stepper(rng.integers(-9, 10, (3, 3)),
                                        rng.integers(-9, 10, (3, 3)), stride=2, padding=1,
                                        output_padding=1),
    }


def step_times(stepper: Stepper) -> list[float]:
    """Milliseconds per step for moving the slider through every frame once."""
    times = []
    for i in range(1, len(stepper)):
        t0 = time.perf_counter()
        stepper.slider.value = i
        times.append((time.perf_counter() - t0) * 1e3)
        assert stepper.frame_view.value == stepper.frame(i)
    return times


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def report(where: str) -> None:
    """Print the latency and size table, measured in the current process."""
    print(f"Measured {where}")
    print(f"{'stepper':26} {'frames':>6} {'first visit ms':>16} {'revisit ms':>14} "
          f"{'HTML KB':>8} {'gzip KB':>8}")
    print(f"{'':26} {'':>6} {'median / p95':>16} {'median / p95':>14}")
    first_all, again_all = [], []
    for name, stepper in book_steppers().items():
        stepper.widget  # noqa: B018  (build the live widget first, as display does)
        first = step_times(stepper)
        stepper.slider.value = 0
        again = step_times(stepper)
        first_all += first
        again_all += again
        html = stepper.to_html().encode("utf-8")
        print(f"{name:26} {len(stepper):6d} "
              f"{statistics.median(first):7.2f} / {p95(first):5.2f} "
              f"{statistics.median(again):6.2f} / {p95(again):5.2f} "
              f"{len(html) / 1000:8.1f} {len(gzip.compress(html)) / 1000:8.1f}")
    print(f"{'all steps':26} {len(first_all):6d} "
          f"{statistics.median(first_all):7.2f} / {p95(first_all):5.2f} "
          f"{statistics.median(again_all):6.2f} / {p95(again_all):5.2f}")


def report_in_kernel() -> None:
    """Run :func:`report` inside a Jupyter kernel (widget comms open) and print its output."""
    import nbclient
    import nbformat
    here = os.path.dirname(os.path.abspath(__file__))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        f"import sys; sys.path.insert(0, {here!r})\n"
        "import bench_widgets; bench_widgets.report('in a Jupyter kernel (ipykernel, nbclient)')")]
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    for out in nb.cells[0].outputs:
        if out.get("name") == "stdout":
            print(out["text"], end="")


def main() -> None:
    print(f"Machine: {machine()}")
    report("in this process (no frontend)")
    print()
    report_in_kernel()
    print("Budget: median step <= 50 ms; static HTML <= 150 KB per stepper.")


if __name__ == "__main__":
    main()
