"""Benchmark: the disparity matrix H(w) by canon against the naive route, JAX and PyTorch.

H[m, k] = (1/N) sum_x df_w(x)/dw_m e_k(x) on the midpoint grid, in canon's real Fourier
basis, for tanh MLPs (canon.MLP). Routes, each run in a fresh subprocess:

- ``naive``        canon.disparity_matrix(..., method="autograd"): autograd's Jacobian of
                   the N grid outputs, then the FFT (run only where it is predicted to
                   finish in about a minute; elsewhere extrapolated, marked "est.");
- ``canon``        method="auto", and ``canon:fft`` / ``canon:contract`` /
                   ``canon:separable`` for the record;
- ``jax:vmap``     jit(vmap(grad(f))) over the grid (the N x M per-sample gradients),
                   then a product with the N x K basis matrix (in chunks of grid points
                   where N x M does not fit); ``jax:jacrev`` the same with jacrev;
- ``jax:fused``    a hand-written backward pass and the per-axis contraction (no Jacobian);
- ``torch:vmap``   torch.func vmap(grad(f)), then the product; ``torch:fused`` as jax:fused;
- ``gemm``         numpy's float64 matrix product of two 2048 x 2048 matrices (GFLOP/s).

Every H is checked against canon's (relative Frobenius difference, must be < 1e-10).
Times: median and minimum over repeats, compile time (JAX) apart. Memory: the peak
resident set size of the route's process above its value after the
imports and the set-up (net, w, space): Linux's VmHWM, reset through /proc/self/clear_refs
once the set-up is done, minus VmRSS at that moment, i.e. the working memory of the computation.

Run:  make bench                     (full run, 5 to 15 minutes; writes bench/RESULTS.md
                                      and bench/results.json)
      python bench/bench_disparity.py --quick     (a small subset, for development)
"""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = 2
TOLERANCE = 1e-10
NAIVE_LIMIT = 60.0          # seconds: the naive route runs only where predicted below this
JACOBIAN_LIMIT = 4 * 2**30  # bytes: above, the vmap routes take the grid in chunks
NAIVE_RATE = 3e-9           # seconds per N^2 M of the naive route on this machine, until measured
MIN_SECONDS = 1.0           # a route repeats until its runs took this long (fast routes: more runs)...
MAX_REPEATS = 25            # ... but at most this many runs
GEMM_FLOPS = 2 * 2048**3    # one GEMM unit: a 2048 x 2048 float64 matrix product


# --- the worker: one route on one case, in its own process ------------------


def _net_and_space(case):
    import canon

    net = canon.MLP(d=case["d"], widths=tuple(case["widths"]), activation="tanh")
    w = canon.initialize(net, 0, scheme="centred")
    space = canon.cube_space(case["n"], case["d"], case["B"])
    return net, w, space


def _chunk(net, space):
    """Grid points per chunk for the vmap routes: None (all at once) if N x M floats fit."""
    N = space.grid.N
    if 8 * N * net.M <= JACOBIAN_LIMIT:
        return None
    chunk = N
    while chunk % 2 == 0 and 8 * chunk * net.M > JACOBIAN_LIMIT / 4:
        chunk //= 2
    return chunk


def _auto_method(net, space):
    """Which route canon's 'auto' takes: its own cost ranking, else trace a call on a tiny net."""
    import canon

    if hasattr(canon, "route_costs"):
        # canon's default: as many threads as CPUs, which the estimate takes into account
        costs = canon.route_costs(net, space, os.cpu_count() or 1)
        return min(costs, key=costs.get)
    tiny = canon.MLP(d=net.d, widths=(2,), activation="tanh")
    seen = set()

    def tracer(frame, event, arg):
        if event == "call":
            seen.add(frame.f_code.co_name)

    sys.setprofile(tracer)
    try:
        canon.disparity_matrix(tiny, canon.initialize(tiny, 0), space, method="auto")
    finally:
        sys.setprofile(None)
    for method in ("separable", "contract", "fft"):
        if any(method in name for name in seen):
            return method
    return "unknown"


def _build(route, net, w, space):
    """Return (compile thunk, run thunk) for a route."""
    if route == "naive" or route.startswith("canon"):
        import canon

        method = "autograd" if route == "naive" else (route.split(":")[1] if ":" in route else "auto")
        return (lambda: None), (lambda: canon.disparity_matrix(net, w, space, method=method))
    system, kind = route.split(":")
    sys.path.insert(0, HERE)
    if system == "jax":
        import routes_jax as routes
    else:
        import torch

        torch.set_num_threads(THREADS)
        import routes_torch as routes
    if kind == "vmap":
        return routes.build_vmap_grad(net, w, space, chunk=_chunk(net, space))
    if kind == "jacrev":
        return routes.build_jacrev(net, w, space)
    return routes.build_fused(net, w, space)


def _status_mb(field):
    """A memory field of /proc/self/status (VmRSS, VmHWM) in MB, or None off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _start_peak():
    """Reset the peak RSS to the current RSS and return that baseline (MB).

    ru_maxrss is not used: Linux hands a child its parent's high-water mark at fork,
    so a child's peak would be hidden under the driver's. /proc/self/clear_refs resets
    this process's own high-water mark (VmHWM) instead.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_mb("VmRSS")
    except OSError:
        return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb():
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(spec):
    """Run one route on one case; print a JSON line with the measurements."""
    result = {}
    if spec["route"] == "gemm":
        rng = np.random.default_rng(0)
        A, B = rng.standard_normal((2, 2048, 2048))
        A @ B
        times = []
        for _ in range(5):
            start = time.perf_counter()
            A @ B
            times.append(time.perf_counter() - start)
        result["times"] = times
        result["gflops"] = 2 * 2048**3 / np.median(times) / 1e9
        print("RESULT " + json.dumps(result), flush=True)
        return
    case = spec["case"]
    net, w, space = _net_and_space(case)
    compile_, run = _build(spec["route"], net, w, space)
    # the GEMM unit of this process: a 2048 x 2048 float64 product, timed before each run
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((2, 2048, 2048))
    C = A @ B                 # its output is reused: the GEMM adds nothing to the peak memory
    baseline = _start_peak()
    start = time.perf_counter()
    compile_()
    result["compile"] = time.perf_counter() - start
    times, gemm_times = [], []
    while True:
        start = time.perf_counter()
        np.matmul(A, B, out=C)
        gemm_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        H = run()
        times.append(time.perf_counter() - start)
        enough = len(times) >= spec["repeats"] and sum(times) >= spec.get("min_seconds", 0.0)
        if enough or len(times) >= MAX_REPEATS or sum(times) > spec["budget"]:
            break
        del H
    result["peak_mb"] = _peak_mb() - baseline
    result["times"] = times
    result["gemm_times"] = gemm_times
    if spec["route"] == "canon":
        result["auto_method"] = _auto_method(net, space)
    if spec.get("save"):
        np.save(spec["save"], np.asarray(H))
    if spec["route"].startswith("torch"):
        import torch

        result["torch_threads"] = torch.get_num_threads()
    print("RESULT " + json.dumps(result), flush=True)


# --- the driver ---------------------------------------------------------------


def case_key(case):
    return f"d{case['d']} n{case['n']} B{case['B']} w{'x'.join(map(str, case['widths']))}"


def case_sizes(case):
    widths = case["widths"]
    sizes = [case["d"]] + list(widths) + [1]
    M = sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(sizes) - 1))
    return M, case["n"] ** case["d"], (2 * case["B"] + 1) ** case["d"]


def flops(method, case):
    """Floating-point operations of canon's route (the contractions; elementwise work left out)."""
    M, N, K = case_sizes(case)
    n, d, r = case["n"], case["d"], 2 * case["B"] + 1
    if method == "separable":
        total = 2 * M * N * r                       # last axis: one product of inner size n per row
        for axis in range(d - 1):                   # each further axis: n times fewer points, r times more
            total += 2 * M * (N // n ** (axis + 1)) * r ** (axis + 2)
        return total
    if method == "contract":
        return 2 * M * N * K
    if method == "fft":
        return M * (N + 2.5 * N * np.log2(N))       # form the rows, a real FFT of each
    return None


def flop_floor(case):
    """The fewest flops of canon's three fast algorithms for the case (contraction only)."""
    return min(flops(method, case) for method in ("separable", "contract", "fft"))


class Runner:
    def __init__(self, args, scratch):
        self.args = args
        self.scratch = scratch
        self.env = dict(os.environ)
        self.env["OPENBLAS_NUM_THREADS"] = str(THREADS)   # both cores, in every system
        self.env["OMP_NUM_THREADS"] = str(THREADS)
        self.env["PYTHONPATH"] = HERE + os.pathsep + self.env.get("PYTHONPATH", "")
        self.cache = {}
        self.loads = []

    def run(self, case, route, save=False, timeout=None):
        key = (case_key(case) if case else "", route)
        if key in self.cache and not save:
            return self.cache[key]
        spec = {"case": case, "route": route, "repeats": self.args.repeats, "budget": self.args.budget,
                "min_seconds": MIN_SECONDS}
        path = None
        if save:
            path = os.path.join(self.scratch, f"{len(self.cache)}_{route.replace(':', '_')}.npy")
            spec["save"] = path
        command = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)]
        load = os.getloadavg()[0]       # other processes on the cores slow threaded BLAS a lot
        start = time.perf_counter()
        try:
            done = subprocess.run(command, env=self.env, capture_output=True, text=True,
                                  timeout=timeout or self.args.timeout)
        except subprocess.TimeoutExpired:
            result = {"status": f"timeout (> {timeout or self.args.timeout:.0f} s)"}
        else:
            lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
            if done.returncode or not lines:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                result = {"status": "failed: " + " | ".join(tail)}
            else:
                result = json.loads(lines[-1][len("RESULT "):])
                result["status"] = "ok"
                if "times" in result:
                    result["median"] = float(np.median(result["times"]))
                    result["min"] = float(np.min(result["times"]))
                if "gemm_times" in result:
                    # time in GEMM units: minimum over the runs / minimum GEMM of the same process
                    result["gemm_min"] = float(np.min(result["gemm_times"]))
                    result["gemm_units"] = result["min"] / result["gemm_min"]
        result["wall"] = time.perf_counter() - start
        result["load"] = load
        self.loads.append(load)
        if path and result["status"] == "ok":
            result["H_path"] = path
        self.cache[key] = result
        label = case_key(case) if case else ""
        print(f"  {label:<24} {route:<16} {_describe(result)}", flush=True)
        return result


def _describe(r):
    if r.get("status") != "ok":
        return r.get("status", "?")
    if "gflops" in r:
        return f"{r['gflops']:.1f} GFLOP/s"
    text = f"median {r['median']:.3f} s  min {r['min']:.3f} s  ({len(r['times'])} runs)  peak +{r['peak_mb']:.0f} MB"
    if "gemm_units" in r:
        text += f"  {r['gemm_units']:.2f} GEMM units"
    if r.get("compile", 0) > 0.01:
        text += f"  compile {r['compile']:.2f} s"
    return text


def relative_difference(path, reference):
    H = np.load(path)
    return float(np.linalg.norm(H - reference) / np.linalg.norm(reference))


def naive_seconds_per_unit(measured):
    """Seconds per N^2 M (N backward passes, each through all N points), from the largest measured run."""
    if not measured:
        return None
    M, N, t = max(measured, key=lambda m: m[1] * m[1] * m[0])   # the largest run: least overhead
    return t / (N * N * M)


def run_case(runner, case, routes, naive_fit, scaled=None):
    """Run the routes on one case; return the per-route records, each checked against canon.

    ``scaled`` maps a route to a measurement on a smaller case (median, min, M, case) from
    which its time here is extrapolated, linearly in M, instead of running it.
    """
    scaled = scaled or {}
    M, N, K = case_sizes(case)
    print(f"case {case_key(case)}: M = {M}, N = {N}, K = {K}", flush=True)
    records = {}
    canon = runner.run(case, "canon", save=True)
    records["canon"] = canon
    reference = np.load(canon["H_path"]) if canon["status"] == "ok" else None
    for route in routes:
        if route == "canon":
            continue
        if route == "naive!":            # run it whatever the prediction: it calibrates the estimates
            route = "naive"
        elif route == "naive":
            unit = naive_seconds_per_unit(naive_fit) or NAIVE_RATE
            predicted = unit * N * N * M
            if predicted is not None and predicted > NAIVE_LIMIT:
                records[route] = {"status": "estimate", "median": predicted, "min": predicted,
                                  "estimate": True, "jacobian_mb": 8 * N * M / 2**20}
                print(f"  {case_key(case):<24} {route:<16} estimated {predicted:.0f} s "
                      f"(not run; N^2 M scaling of the measured runs)", flush=True)
                continue
        if route == "jax:jacrev" and 8 * N * N * max(case["widths"]) > JACOBIAN_LIMIT:
            # jacrev pulls N cotangents back through all N points: N x N x width intermediates
            records[route] = {"status": f"not run: needs ~{8 * N * N * max(case['widths']) / 2**30:.0f} GiB "
                                        "(N x N x width)"}
            print(f"  {case_key(case):<24} {route:<16} {records[route]['status']}", flush=True)
            continue
        if route in scaled:
            source = scaled[route]
            records[route] = {"status": "estimate", "estimate": True,
                              "median": source["median"] * M / source["M"], "min": source["min"] * M / source["M"],
                              "jacobian_mb": 8 * N * M / 2**20}
            print(f"  {case_key(case):<24} {route:<16} estimated {records[route]['median']:.0f} s "
                  f"(not run; linear in M from {source['case']})", flush=True)
            continue
        record = runner.run(case, route, save=True)
        if route == "naive" and record["status"] == "ok":
            naive_fit.append((M, N, record["median"]))
        records[route] = record
    for route, record in records.items():
        path = record.pop("H_path", None)
        if path:
            if reference is not None and route != "canon":
                record["rel_diff"] = relative_difference(path, reference)
                if record["rel_diff"] > TOLERANCE:
                    record["status"] = f"WRONG (relative difference {record['rel_diff']:.1e})"
                    print(f"  {route}: {record['status']}", flush=True)
            os.remove(path)
    del reference
    return records


def fit_exponent(xs, ts):
    """Least-squares slope of log t against log x."""
    return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])


def plan(quick):
    """Cases (with their routes) and the three sweeps."""
    every = ["naive", "canon", "canon:separable", "canon:fft", "canon:contract", "jax:vmap", "jax:jacrev",
             "jax:fused", "torch:vmap", "torch:fused"]
    fast = ["naive", "canon", "jax:vmap", "jax:fused", "torch:vmap", "torch:fused"]
    if quick:
        cases = [
            (dict(d=2, n=16, B=4, widths=[32, 32]), every),
            (dict(d=1, n=512, B=4, widths=[32, 32, 32]), fast),
            (dict(d=2, n=32, B=7, widths=[64, 64]), ["naive!"] + every[1:]),
        ]
        headline = dict(d=2, n=32, B=7, widths=[64, 64])
        big = None
        sweeps = {
            "M": [dict(d=2, n=32, B=7, widths=[m, m]) for m in (32, 64, 128)],
            "N": [dict(d=2, n=n, B=7, widths=[64, 64]) for n in (16, 32)],
            "K": [dict(d=2, n=32, B=b, widths=[64, 64]) for b in (1, 3, 5, 7)],
        }
        return cases, headline, big, sweeps
    headline = dict(d=2, n=64, B=7, widths=[256, 256])
    big = dict(d=2, n=64, B=7, widths=[1024, 1024])
    cases = [
        (dict(d=2, n=16, B=4, widths=[64, 64]), every),
        (dict(d=2, n=32, B=7, widths=[64, 64, 64]), ["naive!"] + every[1:]),
        (dict(d=1, n=4096, B=4, widths=[64, 64]), fast + ["canon:contract", "canon:fft"]),
        (dict(d=1, n=4096, B=112, widths=[128, 128, 128]), ["naive", "canon", "canon:fft", "jax:vmap",
                                                            "jax:fused", "torch:fused"]),
        (dict(d=2, n=64, B=1, widths=[512, 512, 512]), ["naive", "canon", "canon:separable", "jax:vmap",
                                                        "jax:fused", "torch:fused"]),
        (headline, every),
        (big, ["naive", "canon", "jax:fused", "torch:fused"]),
    ]
    sweeps = {
        "M": [dict(d=2, n=64, B=7, widths=[m, m]) for m in (64, 128, 256, 512, 1024)],
        "N": [dict(d=2, n=n, B=7, widths=[256, 256]) for n in (16, 32, 64)],
        "K": [dict(d=2, n=64, B=b, widths=[256, 256]) for b in range(1, 8)],
    }
    return cases, headline, big, sweeps


def versions():
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("scipy", "autograd", "jax", "jaxlib", "torch"):
        try:
            out[name] = subprocess.run([sys.executable, "-c", f"import importlib.metadata as m; print(m.version('{name}'))"],
                                       capture_output=True, text=True).stdout.strip()
        except OSError:
            out[name] = "?"
    try:
        out["canon commit"] = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--", "../canon"],
                               capture_output=True, text=True).stdout.strip()
        if dirty:
            out["canon commit"] += " (canon/ modified in the work tree)"
    except OSError:
        pass
    return out


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(memory, 1), "system": platform.platform()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset of cases, for development")
    parser.add_argument("--repeats", type=int, default=None, help="runs per measurement (default 3; quick 2)")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="stop repeating once a route's runs took this many seconds (default 20)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a route is given up")
    parser.add_argument("--output", default=None,
                        help="directory for RESULTS.md and results.json (default: bench/; quick: print only)")
    parser.add_argument("--cases", default=None,
                        help="run only these cases of the plan (comma-separated 0-based indices) and no sweeps")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    if args.repeats is None:
        args.repeats = 2 if args.quick else 3
    output = args.output or (None if args.quick else HERE)

    started = time.perf_counter()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "threads": {
            "OPENBLAS_NUM_THREADS": THREADS,
            "OMP_NUM_THREADS": THREADS,
            "torch.set_num_threads": THREADS,
            "XLA": "default CPU client (one Eigen thread pool over all cores)",
        },
        "quick": args.quick,
        "repeats": args.repeats,
        "memory": "peak resident set size of the route's process (Linux VmHWM, reset through /proc/self/clear_refs "
                  "after the imports and the set-up) above its resident size at that point",
    }
    print(f"{meta['date']}  {meta['machine']['cpu']}, {meta['machine']['cores']} cores; threads {meta['threads']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()), flush=True)

    cases, headline, big, sweeps = plan(args.quick)
    if args.cases is not None:
        chosen = [int(i) for i in args.cases.split(",") if i]
        cases = [cases[i] for i in chosen]
        sweeps = {}
        output = args.output
    with tempfile.TemporaryDirectory(prefix="canon-bench-") as scratch:
        runner = Runner(args, scratch)
        gemm = runner.run(None, "gemm")
        naive_fit = []
        results = []
        for case, routes in cases:
            scaled = {}
            if big and case is big:
                # the vmap routes would need hours or a chunked N x M Jacobian of 34 GB:
                # extrapolate them from the headline case (same grid and K), linearly in M
                head = next((c for c in results if c["case"] is headline), {"routes": {}})
                for route in ("jax:vmap", "torch:vmap"):
                    r = head["routes"].get(route, {})
                    if r.get("status") == "ok":
                        scaled[route] = {"median": r["median"], "min": r["min"], "M": head["sizes"][0],
                                         "case": case_key(headline)}
                routes = routes + list(scaled)
            results.append({"case": case, "sizes": case_sizes(case),
                            "routes": run_case(runner, case, routes, naive_fit, scaled)})
        sweep_results = {}
        for axis, points in sweeps.items():
            print(f"sweep over {axis}", flush=True)
            sweep_results[axis] = [{"case": case, "sizes": case_sizes(case), **runner.run(case, "canon")}
                                   for case in points]
    meta["total_seconds"] = time.perf_counter() - started
    meta["load_average"] = [min(runner.loads), float(np.median(runner.loads)), max(runner.loads)]
    report = {"meta": meta, "gemm_gflops": gemm.get("gflops"), "cases": results, "sweeps": sweep_results,
              "naive_seconds_per_N2M": naive_seconds_per_unit(naive_fit),
              "headline": case_key(headline), "big": case_key(big) if big else None}
    report["fits"] = fits(sweep_results)
    text = render(report)
    print()
    print(text)
    if output:
        with open(os.path.join(output, "results.json"), "w") as f:
            json.dump(report, f, indent=1, default=float)
        with open(os.path.join(output, "RESULTS.md"), "w") as f:
            f.write(text)
        print(f"wrote {output}/RESULTS.md and {output}/results.json")


def fits(sweeps):
    out = {}
    for axis, points in sweeps.items():
        ok = [p for p in points if p.get("status") == "ok"]
        if len(ok) < 2:
            continue
        index = {"M": 0, "N": 1, "K": 2}[axis]
        xs = [p["sizes"][index] for p in ok]
        out[axis] = {"exponent": fit_exponent(xs, [p["median"] for p in ok]), "x": xs,
                     "seconds": [p["median"] for p in ok]}
    return out


# --- the report ----------------------------------------------------------------


def _t(r):
    if r is None:
        return "-"
    if r.get("estimate"):
        return f"~{r['median']:.0f} (est.)"
    if r.get("status") != "ok":
        return r.get("status", "-")
    return f"{r['median']:.3g}"


def _ratio(a, b, estimate=False):
    if a is None or b is None or a.get("median") is None or b.get("median") is None:
        return "-"
    mark = " (est.)" if a.get("estimate") or b.get("estimate") else ""
    return f"{a['median'] / b['median']:.3g}{mark}"


def render(report):
    meta = report["meta"]
    gemm = report["gemm_gflops"]
    lines = ["# Benchmark: the disparity matrix", ""]
    lines += [
        f"Produced by {'`python bench/bench_disparity.py --quick`' if meta['quick'] else '`bench/bench_disparity.py` (what `make bench` runs, with its thread settings)'} on "
        f"{meta['date']}, in {meta['total_seconds'] / 60:.1f} minutes.", "",
        f"- Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, "
        f"{meta['machine']['memory_gib']} GiB; {meta['machine']['system']}.",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "- Threads: " + ", ".join(f"{k} = {v}" for k, v in meta["threads"].items()) + ".",
        "- One-minute load average of the machine as each route started: min {:.1f}, median {:.1f}, max {:.1f} "
        "(on 2 cores; other work on the machine slows threaded BLAS, the naive route's small products "
        "most).".format(*meta["load_average"]),
        f"- Times in seconds: median over at least {meta['repeats']} runs (more, up to {MAX_REPEATS}, until "
        f"they took {MIN_SECONDS:g} s; fewer when the runs of one route passed 20 s), in a fresh process per "
        "route, a 2048 x 2048 GEMM timed before each run; minimum beside it. JAX's compile time is "
        "measured apart and not included.",
        "- Memory: " + meta["memory"] + ". It includes JAX's compilation.",
        f"- float64 GEMM rate (numpy, 2048 x 2048, same threads): **{gemm:.1f} GFLOP/s**." if gemm else "",
        "- Every route's H agrees with canon's to a relative Frobenius difference below 1e-10 "
        "(column `diff`); `est.` marks an extrapolation, not a measurement.",
        "- Networks: tanh MLPs, canon's `centred` initialization, seed 0; grid: the midpoint grid "
        "with n points per axis (N = n^d); Omega: the cube |k|_inf <= B (K = (2B+1)^d).", "",
    ]

    # targets
    by_key = {case_key(c["case"]): c for c in report["cases"]}
    head = by_key.get(report["headline"])
    lines += ["## Targets", ""]
    if head:
        r = head["routes"]
        canon = r.get("canon")
        fused = [r[k] for k in ("jax:fused", "torch:fused") if r.get(k, {}).get("status") == "ok"]
        best = min(fused, key=lambda x: x["median"]) if fused else None
        idiom = r.get("jax:vmap")
        lines.append(f"Headline case {report['headline']} (M = {head['sizes'][0]}, N = {head['sizes'][1]}, "
                     f"K = {head['sizes'][2]}):")
        lines.append("")
        if canon and canon.get("status") == "ok":
            if idiom and idiom.get("status") == "ok":
                v = idiom["median"] / canon["median"]
                lines.append(f"- JAX idiomatic / canon = {v:.2f} (target >= 5): **{'met' if v >= 5 else 'NOT met'}**")
            if best:
                v = canon["median"] / best["median"]
                lines.append(f"- canon / best hand-fused = {v:.2f} (target <= 1.3): "
                             f"**{'met' if v <= 1.3 else 'NOT met'}**")
    measured = []
    for c in report["cases"]:
        n, k = c["routes"].get("naive"), c["routes"].get("canon")
        if n and k and n.get("status") == "ok" and k.get("status") == "ok":
            measured.append((case_key(c["case"]), n["median"] / k["median"]))
    if measured:
        worst = min(v for _, v in measured)
        lines.append(f"- naive / canon where both ran: " + ", ".join(f"{v:.0f} ({key})" for key, v in measured)
                     + f" (target >= 100 everywhere): **{'met' if worst >= 100 else 'NOT met'}**")
    bigc = by_key.get(report["big"]) if report["big"] else None
    if bigc and bigc["routes"].get("canon", {}).get("status") == "ok":
        k = bigc["routes"]["canon"]
        t = k["median"]
        lines.append(f"- 1e6-parameter case {report['big']} (M = {bigc['sizes'][0]}): canon {t:.2f} s median, "
                     f"{k['min']:.2f} s minimum (target < 30 s): **{'met' if t < 30 else 'NOT met'}**")
        if "gemm_units" in k:
            u = k["gemm_units"]
            lines.append(f"  - in GEMM units (its minimum / the minimum of a 2048 x 2048 GEMM timed before each run "
                         f"in the same process, {k['gemm_min']:.3f} s): {u:.1f} (target <= 20): "
                         f"**{'met' if u <= 20 else 'NOT met'}**; its flop floor is "
                         f"{flop_floor(bigc['case']) / GEMM_FLOPS:.1f} GEMM units")
        if "peak_mb" in k:
            gb = k["peak_mb"] * 2**20 / 1e9
            lines.append(f"  - peak memory {gb:.2f} GB (target <= 2.5 GB): **{'met' if gb <= 2.5 else 'NOT met'}**")
    jac, own = [], []
    for c in report["cases"]:
        k = c["routes"].get("canon", {})
        if "peak_mb" in k:
            M, N, K = c["sizes"]
            jac.append(k["peak_mb"] / (8 * M * N / 2**20))
            own.append(k["peak_mb"] / ((8 * M * K + 8 * N * (sum(c["case"]["widths"]) + c["case"]["d"])) / 2**20))
    if jac:
        lines.append(f"- Memory (table below): canon's peak is {min(own):.2g} to {max(own):.2g} times the size of H "
                     f"plus the layer factors, and {min(jac):.2g} to {max(jac):.2g} times the N x M Jacobian.")
    lines.append("")
    lines += ["## Routes", "",
              "- `naive`: `canon.disparity_matrix(..., method=\"autograd\")`, autograd's Jacobian of the N grid "
              "outputs (N backward passes through all N points), then the FFT;",
              "- `canon`: `method=\"auto\"` (the route it picks in brackets); `canon:separable`, `canon:fft`, "
              "`canon:contract`: the explicit methods;",
              "- `jax:vmap`: `jit(vmap(grad(f)))` over the grid points (the N x M per-sample gradients), then "
              "`J.T @ E` with the N x K basis matrix divided by N; in chunks of grid points (a `lax.scan`) where "
              "N x M floats exceed 4 GiB; `jax:jacrev`: `jacrev` of the N outputs, then the same product;",
              "- `jax:fused`, `torch:fused`: a hand-written backward pass (per-layer factors delta and a, bias "
              "folded in as a column of ones), then per layer the sum over the grid one axis at a time with the "
              "real 1-d table [cos 0..B, sin 1..B] (a batched product, then one product), blocks of units, H "
              "written transposed by whole-row gathers; no Jacobian;",
              "- `torch:vmap`: `torch.func.vmap(torch.func.grad(f))`, then `J.T @ E`.",
              "- All in float64 on the CPU; every H is compared with canon's (`diff`).", ""]

    # main table
    lines += ["## All routes", "",
              "`GEMM units`: the route's minimum time over the minimum time of a 2048 x 2048 float64 GEMM "
              "(numpy, same threads) timed before each of its runs in the same process; `of floor`: the case's "
              "flop floor (the fewest flops of canon's three algorithms, see below) at that GEMM's rate, over "
              "the route's minimum time.", "",
              "| case | M | N | K | route | time (s) | min (s) | GEMM units | of floor | compile (s) | peak MB | diff |",
              "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in report["cases"]:
        M, N, K = c["sizes"]
        for route, r in c["routes"].items():
            label = route + (f" ({r['auto_method']})" if r.get("auto_method") else "")
            if r.get("estimate"):
                peak = f"~{r['jacobian_mb']:.0f} (N x M Jacobian, est.)"
            else:
                peak = f"{r['peak_mb']:.0f}" if "peak_mb" in r else "-"
            diff = f"{r['rel_diff']:.0e}" if "rel_diff" in r else ("ref." if route == "canon" else "-")
            mn = f"{r['min']:.3g}" if r.get("status") == "ok" else "-"
            comp = f"{r['compile']:.2f}" if r.get("compile", 0) > 0.01 else "-"
            units = floor = "-"
            if r.get("status") == "ok" and "gemm_units" in r:
                units = f"{r['gemm_units']:.3g}"
                floor = f"{flop_floor(c['case']) / GEMM_FLOPS / r['gemm_units']:.0%}"
            lines.append(f"| {case_key(c['case'])} | {M} | {N} | {K} | {label} | {_t(r)} | {mn} | {units} | {floor} | "
                         f"{comp} | {peak} | {diff} |")
    lines.append("")

    # memory
    lines += ["## Memory of canon", "",
              "| case | canon peak MB | H: 8 M K | factors: 8 N (sum of widths + d) | Jacobian: 8 N M |",
              "|---|---:|---:|---:|---:|"]
    for c in report["cases"]:
        k = c["routes"].get("canon", {})
        M, N, K = c["sizes"]
        widths = sum(c["case"]["widths"]) + c["case"]["d"]
        peak = f"{k['peak_mb']:.0f}" if "peak_mb" in k else "-"
        lines.append(f"| {case_key(c['case'])} | {peak} | {8 * M * K / 2**20:.0f} | {8 * N * widths / 2**20:.1f} | "
                     f"{8 * N * M / 2**20:.0f} |")
    lines.append("")

    # ratios
    lines += ["## Ratios and rates", "",
              "GFLOP/s: the flops canon's chosen route really does (separable: 2 M N (2B+1) for the last "
              "grid axis plus 2 M (N/n) (2B+1)^2 for the first, in d = 2; contract: 2 M N K; fft: "
              "M N (1 + 2.5 log2 N)) over its median time.", "",
              "| case | naive/canon | JAX vmap/canon | JAX jacrev/canon | canon/best fused | torch vmap/canon | "
              "canon GFLOP/s | of GEMM |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in report["cases"]:
        r = c["routes"]
        canon = r.get("canon")
        fused = [r[k] for k in ("jax:fused", "torch:fused") if r.get(k, {}).get("status") == "ok"]
        best = min(fused, key=lambda x: x["median"]) if fused else None
        rate = frac = "-"
        if canon and canon.get("status") == "ok":
            f = flops(canon.get("auto_method"), c["case"])
            if f:
                g = f / canon["median"] / 1e9
                rate = f"{g:.1f}"
                frac = f"{g / gemm:.0%}" if gemm else "-"
        lines.append(f"| {case_key(c['case'])} | {_ratio(r.get('naive'), canon)} | {_ratio(r.get('jax:vmap'), canon)} | "
                     f"{_ratio(r.get('jax:jacrev'), canon)} | {_ratio(canon, best)} | {_ratio(r.get('torch:vmap'), canon)} | "
                     f"{rate} | {frac} |")
    lines.append("")

    # sweeps
    lines += ["## Cost growth of canon (method auto)", "",
              "Each sweep varies one size with the others fixed; the exponent is the least-squares slope "
              "of log time against log size. `M K` and `N w` are 8-byte megabytes of the output and of one "
              "layer's factors, for the memory bound.", ""]
    for axis, points in report["sweeps"].items():
        fit = report["fits"].get(axis)
        title = {"M": "parameters M (widths)", "N": "grid points N (n in d = 2)", "K": "frequencies K (B)"}[axis]
        lines.append(f"### Against {title}" + (f": exponent {fit['exponent']:.2f}" if fit else ""))
        lines += ["", "| case | M | N | K | route | time (s) | GEMM units | of floor | peak MB | M K (MB) | N w (MB) |",
                  "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
        for p in points:
            M, N, K = p["sizes"]
            width = max(p["case"]["widths"])
            peak = f"{p['peak_mb']:.0f}" if "peak_mb" in p else "-"
            units = floor = "-"
            if p.get("status") == "ok" and "gemm_units" in p:
                units = f"{p['gemm_units']:.3g}"
                floor = f"{flop_floor(p['case']) / GEMM_FLOPS / p['gemm_units']:.0%}"
            lines.append(f"| {case_key(p['case'])} | {M} | {N} | {K} | {p.get('auto_method', '-')} | {_t(p)} | {units} | "
                         f"{floor} | {peak} | "
                         f"{8 * M * K / 2**20:.0f} | {8 * N * width / 2**20:.1f} |")
        lines.append("")
    if report["fits"]:
        lines.append("Fitted exponents: " + ", ".join(f"time ~ {a}^{f['exponent']:.2f}" for a, f in report["fits"].items()) + ".")
        lines.append("")
    if report["naive_seconds_per_N2M"]:
        lines.append(f"Naive route's estimates: time = {report['naive_seconds_per_N2M']:.3g} s x N^2 M (N backward "
                     "passes, each through all N grid points), the rate of its largest measured run; "
                     "its memory holds at least the N x M Jacobian (8 N M bytes).")
        lines.append("")
    return "\n".join(line for line in lines if line is not None) + "\n"


if __name__ == "__main__":
    main()
