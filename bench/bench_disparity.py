"""Benchmark: the disparity matrix H(w) by the fast routes against the naive one.

Routes of ``canon.disparity_matrix`` (see ``canon/disparity.py``):

- ``fft``       one vectorized backward pass, per-sample derivatives a block at a time, FFT;
- ``contract``  the same backward pass, contracted with the basis (BLAS-3), no M x N array;
- ``autograd``  the naive route: autograd's ``jacobian`` of all N grid outputs (N backward
  passes, an M x N Jacobian in memory), then the FFT.

Setting: 3-hidden-layer tanh MLPs in d = 2 on the 64 x 64 midpoint grid (N = 4096) with
the cube |k|_inf <= 7 (K = 225). The fast routes run at width 256 (M = 132,609); the
naive route only at small widths, where it finishes in seconds. For the wide net the
naive route's time is extrapolated (linear in M: N backward passes of O(N M) work each)
and its Jacobian's memory estimated; both are marked as estimates.

Run:  python bench/bench_disparity.py  [--naive-widths 16,32] [--width 256]
"""

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np

import canon

MB = 2**20


def measure(net, w, space, method, trace_memory):
    """Return (H, seconds, traced peak in MB or None)."""
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    H = canon.disparity_matrix(net, w, space, method=method)
    seconds = time.perf_counter() - start
    peak = None
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return H, seconds, peak


def relative_difference(A, B):
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-widths", default="16,32", help="widths at which the naive route is run")
    parser.add_argument("--width", type=int, default=256, help="width of the large network (fast routes only)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    naive_widths = [int(v) for v in args.naive_widths.split(",") if v]

    space = canon.cube_space(64, 2, 7)
    N, K = space.grid.N, space.K
    print(f"canon {canon.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{os.cpu_count()} CPU(s)")
    print(f"grid 64 x 64 (N = {N}), Omega = cube |k|_inf <= 7 (K = {K}), tanh, 3 hidden layers, d = 2")
    print("peak = tracemalloc peak of numpy allocations during the call (fast routes);")
    print("J est. = 8 M N bytes, the M x N Jacobian the naive route holds\n")

    rows, naive_fit = [], []
    for width in naive_widths + [args.width]:
        net = canon.MLP(d=2, widths=(width,) * 3, activation="tanh")
        w = canon.initialize(net, args.seed, scheme="centred")
        jacobian_mb = 8 * net.M * N / MB
        results = {}
        for method in ("separable", "fft", "contract"):
            results[method] = measure(net, w, space, method, trace_memory=True)
        if width in naive_widths:
            results["autograd"] = measure(net, w, space, "autograd", trace_memory=False)
            naive_seconds, naive_note = results["autograd"][1], ""
            naive_fit.append((net.M, naive_seconds))
            check = max(relative_difference(results[m][0], results["autograd"][0]) for m in ("fft", "contract", "separable"))
        else:
            (M1, t1), (M2, t2) = naive_fit[0], naive_fit[-1]
            slope = (t2 - t1) / (M2 - M1) if M2 != M1 else t2 / M2
            naive_seconds, naive_note = t2 + slope * (net.M - M2), " (extrapolated)"
            check = max(relative_difference(results[m][0], results["fft"][0]) for m in ("contract", "separable"))
        for method, (H, seconds, peak) in results.items():
            ratio = naive_seconds / seconds
            rows.append((width, net.M, method, seconds, ratio, peak, jacobian_mb, check))
        if width not in naive_widths:
            rows.append((width, net.M, "autograd" + naive_note, naive_seconds, 1.0, None, jacobian_mb, None))
        del results

    header = f"{'width':>5} {'M':>8} {'method':<24} {'time [s]':>9} {'naive/this':>10} {'peak [MB]':>9} {'J est. [MB]':>11} {'agree':>8}"
    print(header)
    print("-" * len(header))
    for width, M, method, seconds, ratio, peak, jacobian_mb, check in rows:
        peak_text = f"{peak:9.0f}" if peak is not None else f"{'-':>9}"
        check_text = f"{check:8.1e}" if check is not None else f"{'-':>8}"
        print(f"{width:>5} {M:>8} {method:<24} {seconds:>9.2f} {ratio:>10.1f} {peak_text} {jacobian_mb:>11.0f} {check_text}")
    print("\nagree = largest relative Frobenius difference of the fast routes from the naive H (small widths) or from fft (large)")


if __name__ == "__main__":
    main()
