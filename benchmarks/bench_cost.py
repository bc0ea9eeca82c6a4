"""Cost follows the work: huge strides and dilations next to ordinary calls, tconv and PyTorch.

Run from the repository root (see benchmarks/README.md for the measured figures):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_cost.py

Each row times one call (the median of several) and records the peak memory numpy allocated
for it (tracemalloc). The pairs share their output size and their products: a stride or a
dilation of 10,000 must cost what stride 2 costs, not stride² more. Both libraries run on one
thread (the calls are tiny). Without torch installed the PyTorch column is left empty.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import tracemalloc

import numpy as np
import tconv

try:
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)  # one image, one channel: PyTorch's threads only wait on each other
except ImportError:
    torch = None


def rows():
    """(label, our call, PyTorch's call or None): ordinary calls, then the extreme ones."""
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((1, 1, 1, 1))
    x2 = rng.standard_normal((1, 1, 2, 2))
    w = rng.standard_normal((1, 1, 3, 3))
    xb = rng.standard_normal((1, 1, 64, 64))
    specs = [
        ("conv_transpose2d 1×1, k3, stride 2", "t", x1, dict(stride=2)),
        ("conv_transpose2d 1×1, k3, stride 10,000", "t", x1, dict(stride=10_000)),
        ("conv_transpose2d 2×2, k3, stride 2, padding 1", "t", x2,
         dict(stride=2, padding=1)),
        ("conv_transpose2d 2×2, k3, stride 10,000, padding 4,999", "t", x2,
         dict(stride=10_000, padding=4_999)),
        ("conv_transpose2d 2×2, k3, dilation 2, padding 2", "t", x2,
         dict(dilation=2, padding=2)),
        ("conv_transpose2d 2×2, k3, dilation 10,000, padding 10,000", "t", x2,
         dict(dilation=10_000, padding=10_000)),
        ("conv_transpose2d 2×2, k3, dilation 1,000", "t", x2,
         dict(dilation=1_000)),
        ("conv2d 64×64, k3, stride 2", "c", xb, dict(stride=2)),
        ("conv2d 64×64, k3, stride 10,000", "c", xb, dict(stride=10_000)),
        ("conv2d 1×1, k3, dilation 2, padding 2", "c", x1, dict(dilation=2, padding=2)),
        ("conv2d 1×1, k3, dilation 10,000, padding 10,000", "c", x1,
         dict(dilation=10_000, padding=10_000)),
        ("conv2d 1×1, k3, stride 100,000, padding 100,000", "c", x1,
         dict(stride=100_000, padding=100_000)),
        ("conv2d_backward 64×64, k3, stride 2 (dx 64×64)", "b", xb, dict(stride=2)),
        ("conv2d_backward 64×64, k3, stride 10,000 (dx 64×64)", "b", xb, dict(stride=10_000)),
    ]
    for label, kind, x, kw in specs:
        yield label, _our_call(kind, x, w, kw), _torch_call(kind, x, w, kw)


def _our_call(kind, x, w, kw):
    """tconv's call for a row: the transposed convolution, the convolution, or its dx."""
    if kind == "b":  # the gradients of conv2d, for grad_output of conv2d's output shape
        gy = np.ones(tconv.conv2d(x, w, **kw).shape)
        return lambda: tconv.conv2d_backward(gy, x, w, **kw)[0]
    fn = tconv.conv_transpose2d if kind == "t" else tconv.conv2d
    return lambda: fn(x, w, **kw)


def _torch_call(kind, x, w, kw):
    """PyTorch's call for a row, or None without torch."""
    if torch is None:
        return None
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    if kind == "b":  # aten's convolution_backward, what autograd calls
        gy = torch.ones(F.conv2d(xt, wt, **kw).shape, dtype=xt.dtype)
        s = [kw["stride"]] * 2
        return lambda: torch.ops.aten.convolution_backward(
            gy, xt, wt, [1], s, [0, 0], [1, 1], False, [0, 0], 1, [True, True, True])
    fn = F.conv_transpose2d if kind == "t" else F.conv2d
    return lambda: fn(xt, wt, **kw)


def timed(fn, repeat: int = 7) -> float:
    """Median seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(fn) -> float:
    """Peak memory numpy allocates during one call, in MiB (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    print(f"CPU: {cpu}, {os.cpu_count()} logical cores; numpy {np.__version__}"
          + (f", torch {torch.__version__} (threads {torch.get_num_threads()})" if torch else
             ", torch not installed"))
    print(f"load average before: {os.getloadavg()[0]:.2f}\n")
    print(f"{'call (float64, one image, one channel)':<62} {'output':>11} {'tconv ms':>9} "
          f"{'peak MiB':>9} {'torch ms':>9}")
    for label, ours, theirs in rows():
        out = "×".join(map(str, ours().shape[2:]))
        t_ours, mib = timed(ours), peak_mib(ours)
        t_theirs = f"{1e3 * timed(theirs):9.3f}" if theirs else f"{'-':>9}"
        print(f"{label:<62} {out:>11} {1e3 * t_ours:9.3f} {mib:9.2f} {t_theirs}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
