"""Each chapter's computation: the kernel's processor time and the wall clock to run it once.

Every chapter notebook runs once in a fresh kernel (nbclient, the book's timeout); a last cell,
added here and not saved, reads the kernel's own processor time (user + system, from
``resource.getrusage``), which counts the chapter's work and its imports but not the wait for
a busy machine. The wall clock is reported beside it with the load average, so a reader can
tell how busy the machine was. The instructors' page quotes the processor times.

    python benchmarks/bench_chapters.py [chapters/why-upsample.ipynb ...]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CPU_CELL = ("import resource as _r\n"
            "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
            "print(f'{_u.ru_utime + _u.ru_stime:.2f}')")


def run(path: Path, timeout: int = 600) -> tuple[float, float]:
    """(processor seconds of the kernel, wall-clock seconds) to run ``path`` once."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(CPU_CELL))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    cpu = float("".join(out.get("text", "") for out in nb.cells[-1].outputs).strip())
    return cpu, wall


def machine() -> str:
    """CPU model, cores and Python version of this machine."""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    print(f"load average at start {os.getloadavg()[0]:.1f}\n")
    print("| Chapter | Kernel CPU s | Wall clock s | Load (1 min) |")
    print("| --- | ---: | ---: | ---: |")
    for path in notebooks:
        cpu, wall = run(path.resolve())
        print(f"| {path.stem} | {cpu:.1f} | {wall:.1f} | {os.getloadavg()[0]:.1f} |",
              flush=True)


if __name__ == "__main__":
    main()
