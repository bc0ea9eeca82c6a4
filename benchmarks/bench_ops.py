"""Time tconv's conv_transpose2d, conv2d and conv2d_backward against PyTorch on CPU.

Run from the repository root (see benchmarks/README.md for the measured figures):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_ops.py [--threads 1]

Float32, decoder-like layers for the transposed convolution and the matching encoder layers
for the convolution and its gradient. PyTorch gets as many threads as numpy's BLAS. Without
torch installed, the baseline is tconv's plain loop version (on a batch of one) instead.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
import timeit

import numpy as np
import tconv
from tconv.conv import conv2d_loop, conv_transpose2d_loop
from threadpoolctl import threadpool_info, threadpool_limits

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the baseline becomes the loop version
    torch = None

# (N, C_in, C_out, H, W, k, stride, padding) of the transposed convolution (decoder) layers;
# the encoder layer that mirrors each maps C_out -> C_in and the decoder's output size back.
OPS = ("conv_transpose2d", "conv2d", "conv2d_backward")
DECODER = [
    (8, 64, 32, 32, 32, 4, 2, 1),
    (16, 128, 64, 16, 16, 4, 2, 1),
    (4, 32, 16, 64, 64, 3, 1, 1),
]


def paired_times(ours, baseline, repeat: int, timer=time.perf_counter):
    """Median seconds per call of each, and the median over rounds of their ratio.

    Three rounds; in each, ``repeat`` timings of ours, then of the baseline (timeit, enough
    calls to last ~0.05 s each). Blocks, not alternating calls: after a call, OpenBLAS's and
    OpenMP's worker threads keep spinning for a while and would steal the cores from the other
    library; a short sleep before each block lets them go idle. Rounds pair each ratio with
    the machine's load at that time.
    """
    timers = [timeit.Timer(ours, timer=timer), timeit.Timer(baseline, timer=timer)]
    numbers = [max(1, int(0.05 / max(t.timeit(1), 1e-6))) for t in timers]  # also warms up
    times: list[list[float]] = [[], []]
    ratios = []
    for _ in range(3):
        medians = []
        for side in (0, 1):
            time.sleep(0.3)
            block = [timers[side].timeit(numbers[side]) / numbers[side] for _ in range(repeat)]
            times[side] += block
            medians.append(statistics.median(block))
        ratios.append(medians[0] / medians[1])
    return statistics.median(times[0]), statistics.median(times[1]), statistics.median(ratios)


def blas_info() -> tuple[int, str]:
    """Thread count and a description of numpy's BLAS, from threadpoolctl."""
    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    numpy_blas = next((i for i in blas if "numpy" in i["filepath"]), blas[0])
    desc = (f"{numpy_blas['internal_api']} {numpy_blas.get('version')} "
            f"kernel={numpy_blas.get('architecture')} threads={numpy_blas['num_threads']} "
            f"({numpy_blas['filepath']})")
    return numpy_blas["num_threads"], desc


def cases(rng):
    """Yield (op name, shape label, our call, baseline call) for every layer and op."""
    for N, C_in, C_out, H, W, k, s, p in DECODER:
        x = rng.standard_normal((N, C_in, H, W), dtype=np.float32)
        w = rng.standard_normal((C_in, C_out, k, k), dtype=np.float32)
        Ho, Wo = tconv.conv_transpose_output_size((H, W), k, s, p)
        label = f"N={N} {C_in}->{C_out} {H}x{W} k={k} s={s} p={p}"
        yield ("conv_transpose2d", label, lambda x=x, w=w, s=s, p=p: tconv.conv_transpose2d(
            x, w, stride=s, padding=p), _baseline_transpose(x, w, s, p))
        # the mirroring encoder layer: C_out -> C_in channels, Ho x Wo -> H x W
        xe = rng.standard_normal((N, C_out, Ho, Wo), dtype=np.float32)
        we = rng.standard_normal((C_in, C_out, k, k), dtype=np.float32)
        gy = rng.standard_normal((N, C_in, H, W), dtype=np.float32)
        label = f"N={N} {C_out}->{C_in} {Ho}x{Wo} k={k} s={s} p={p}"
        yield ("conv2d", label, lambda x=xe, w=we, s=s, p=p: tconv.conv2d(
            x, w, stride=s, padding=p), _baseline_conv(xe, we, s, p))
        yield ("conv2d_backward", label, lambda g=gy, x=xe, w=we, s=s, p=p: tconv.conv2d_backward(
            g, x, w, stride=s, padding=p), _baseline_backward(gy, xe, we, s, p))


def _baseline_transpose(x, w, s, p):
    if torch is None:
        return lambda: conv_transpose2d_loop(x[:1], w, stride=s, padding=p)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    return lambda: F.conv_transpose2d(xt, wt, stride=s, padding=p)


def _baseline_conv(x, w, s, p):
    if torch is None:
        return lambda: conv2d_loop(x[:1], w, stride=s, padding=p)
    xt, wt = torch.from_numpy(x), torch.from_numpy(w)
    return lambda: F.conv2d(xt, wt, stride=s, padding=p)


def _baseline_backward(gy, x, w, s, p):
    if torch is None:  # the input gradient alone, by the scatter loop
        return lambda: conv_transpose2d_loop(gy[:1], w, stride=s, padding=p)
    gt, xt, wt = torch.from_numpy(gy), torch.from_numpy(x), torch.from_numpy(w)
    # aten's convolution_backward: what autograd calls, without the graph bookkeeping
    return lambda: torch.ops.aten.convolution_backward(
        gt, xt, wt, [w.shape[0]], [s, s], [p, p], [1, 1], False, [0, 0], 1, [True, True, True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7,
                        help="timings per block (3 blocks per side and case)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and torch (default: BLAS's own count)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time by this process's CPU time instead of the wall clock: steadier "
                             "when other processes share the cores, meaningful with --threads 1")
    parser.add_argument("--op", action="append", choices=OPS,
                        help="time only this operation (repeatable; default: all three)")
    args = parser.parse_args()
    if args.threads is not None:
        threadpool_limits(args.threads, user_api="blas")

    threads, blas = blas_info()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    print(f"CPU: {cpu}, {os.cpu_count()} logical cores")
    print(f"numpy {np.__version__}, BLAS: {blas}")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        print(f"  {var}={os.environ.get(var, '(unset)')}")
    if torch is None:
        print("torch is not installed: the baseline is tconv's loop version on a batch of ONE "
              "(the ratio is ours on the full batch / loop on one image); for backward it is "
              "the scatter loop for the input gradient alone")
        base = "loop"
    else:
        torch.set_num_threads(threads)
        print(f"torch {torch.__version__}, threads={torch.get_num_threads()} (= numpy BLAS)")
        base = "torch"

    rng = np.random.default_rng(0)
    ratios: dict[str, list[float]] = {}
    print(f"timer: {'CPU time of this process' if args.cpu_time else 'wall clock'}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"\n{'op':<17} {'layer (float32)':<34} {'tconv ms':>9} {base + ' ms':>9} {'ratio':>6}")
    for op, label, ours, baseline in cases(rng):
        if args.op and op not in args.op:
            continue
        t_ours, t_base, ratio = paired_times(ours, baseline, args.repeat if torch else 1,
                                             time.process_time if args.cpu_time else
                                             time.perf_counter)
        ratios.setdefault(op, []).append(ratio)
        print(f"{op:<17} {label:<34} {1e3 * t_ours:9.2f} {1e3 * t_base:9.2f} {ratio:6.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"\ngeometric mean of tconv/{base} time per op:")
    for op, rs in ratios.items():
        print(f"  {op:<17} {math.exp(statistics.fmean(math.log(r) for r in rs)):.2f}x")


if __name__ == "__main__":
    main()
