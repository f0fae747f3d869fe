"""Fault injection: run the chapters with deliberate implementation errors in canon.

Each fault is a plausible mistake an implementation of canon could have made. Its
``patch`` is Python source that the runner inserts as a cell right after the first
cell of a temporary copy of a chapter (the hidden Colab install cell); it imports
canon and replaces canon functions from outside the package, in every module that
binds them (``rebind``), so the chapter's own code paths use the faulty version.
Nothing in canon knows about faults, and the repository's notebooks are never
touched.

A chapter concerns a fault when its results are computed through the faulty
function (read off the canon calls of its code cells). The test
(``tests/test_faults.py``) asserts that in every such chapter at least one
certificate fails; ``_build/faults/caught.json`` records which ones did.

Run by hand::

    python tests/faults.py                       # the whole matrix, 2 workers
    python tests/faults.py sine_sign disparity   # one pair, printed as JSON
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOK = os.path.join(ROOT, "book")
OUTPUT = os.path.join(ROOT, "_build", "faults", "caught.json")
#: Seconds a single cell may run (the build allows 300 for a whole cell too).
CELL_TIMEOUT = 300
#: What the last, added cell prints: how often each faulty function ran and changed
#: its result (a fault that never changed anything in a chapter cannot be caught).
HITS_MARK = "FAULT-HITS "
CERTIFICATE = re.compile(r"certificate (\S+) failed")

CHAPTERS = ("literal_space", "canonical_space", "convexity", "disparity",
            "stationary_points", "gradient_descent", "degeneracy", "beyond", "computing_h")
#: Appendix pages with certificates of their own, run only for the faults they concern.
APPENDICES = ("relu_kinks",)
NOTEBOOKS = CHAPTERS + APPENDICES


@dataclass(frozen=True)
class Fault:
    """A deliberate implementation error and the chapters whose results depend on it.

    Attributes
    ----------
    name : str
    description : str
        One line: the mistake, as an implementer could have made it.
    chapters : tuple of str
        Every chapter whose results are computed through the faulty function.
    patch : str
        Python source run in the kernel before the chapter's imports.
    not_concerned : dict
        Chapters that call the function but whose results cannot depend on the fault,
        each with the reason (they are not run).
    """

    name: str
    description: str
    chapters: tuple
    patch: str
    not_concerned: dict = field(default_factory=dict)


# Shared by every patch: the counter of hits and a helper that replaces a function in
# every canon module that binds it (canon's modules import many functions by name).
PRELUDE = '''\
import sys as _fault_sys
import numpy as _fault_np
import canon as _fault_canon

_FAULT_HITS = {}


def _fault_hit(where, changed):
    calls = _FAULT_HITS.setdefault(where, [0, 0])
    calls[0] += 1
    calls[1] += bool(changed)


def _fault_rebind(old, new):
    """Replace ``old`` by ``new`` wherever a canon module binds it; return the count."""
    count = 0
    for name, module in list(_fault_sys.modules.items()):
        if module is None or not (name == "canon" or name.startswith("canon.")):
            continue
        for attribute, value in list(vars(module).items()):
            if value is old:
                setattr(module, attribute, new)
                count += 1
    assert count, f"the fault patch found no binding of {old!r}"
    return count
'''

SINE_SIGN = '''
_fault_original = _fault_canon.fourier._real_coordinates


def _fault_real_coordinates(spectrum, space):
    # the sine coordinate written as +sqrt(2) Im theta_k instead of -sqrt(2) Im theta_k
    theta = _fault_np.array(_fault_original(spectrum, space))
    h = len(space.omega.half)
    _fault_hit("fourier._real_coordinates", _fault_np.any(theta[..., 1 + h:] != 0))
    theta[..., 1 + h:] *= -1.0
    return theta


_fault_rebind(_fault_original, _fault_real_coordinates)
'''

ENDPOINT_GRID = '''
def _fault_points(self):
    # x_j = j / n instead of (j + 1/2) / n
    _fault_hit("Grid.points", True)
    index = _fault_np.indices(self.shape).reshape(self.d, -1).T
    return index / self.n


_fault_canon.fourier.Grid.points = property(_fault_points)
'''

BIAS_ROW = '''
_fault_original = _fault_canon.disparity.disparity_matrix


def _fault_disparity_matrix(net, w, space, *args, **kwargs):
    # the fast routes leave the row of the output bias b_{L+1} (the last parameter) at
    # zero; the autograd route differentiates the whole network and has no bias rows
    H = _fault_original(net, w, space, *args, **kwargs)
    if (args[0] if args else kwargs.get("method", "auto")) == "autograd":
        return H
    H = _fault_np.array(H)
    _fault_hit("disparity_matrix", _fault_np.any(H[net.M - 1] != 0))
    H[net.M - 1] = 0.0
    return H


_fault_rebind(_fault_original, _fault_disparity_matrix)
'''

TANH_DERIVATIVE = '''
_fault_tanh = _fault_canon.activations.ACTIVATIONS["tanh"]


def _fault_tanh_derivative(z):
    # 1 - tanh(z) instead of 1 - tanh(z)**2
    t = _fault_np.tanh(z)
    _fault_hit("tanh derivative", _fault_np.any(t != t**2))
    return 1.0 - t


# ACTIVATIONS is one dict, shared by nets, train, symmetries and initializations
_fault_canon.activations.ACTIVATIONS["tanh"] = (_fault_tanh[0], _fault_tanh_derivative,
                                               *_fault_tanh[2:])
'''

CUBE_OFF_BY_ONE = '''
import itertools as _fault_itertools

_fault_original = _fault_canon.fourier.cube


def _fault_cube(d, B):
    # range(-B, B) instead of range(-B, B + 1): the frequencies with a component +-B
    # are lost (in d = 1 the cube of B - 1)
    d = _fault_canon._checks.integer("d", d, minimum=1)
    B = _fault_canon._checks.integer("B", B, minimum=0)
    _fault_hit("fourier.cube", B > 0)
    k = _fault_np.array(list(_fault_itertools.product(range(-B, B), repeat=d)),
                        dtype=_fault_np.int64).reshape(-1, d)
    return _fault_canon.fourier.Omega(d, k[_fault_canon.fourier._in_half_set(k)])


_fault_rebind(_fault_original, _fault_cube)
'''

BASIS_NORMALISATION = '''
_fault_root2 = _fault_np.sqrt(2.0)
_fault_basis = _fault_canon.fourier.basis_matrix
_fault_coordinates = _fault_canon.fourier._real_coordinates
_fault_tensor = _fault_canon._separable.tensor_to_real


def _fault_basis_matrix(omega, x):
    # cos(2 pi k.x) and sin(2 pi k.x) without their factor sqrt(2)
    E = _fault_np.array(_fault_basis(omega, x))
    _fault_hit("fourier.basis_matrix", E.shape[1] > 1)
    E[:, 1:] /= _fault_root2
    return E


def _fault_real_coordinates(spectrum, space):
    # the coordinates <f, e_k> over the same unnormalised basis
    theta = _fault_np.array(_fault_coordinates(spectrum, space))
    _fault_hit("fourier._real_coordinates", theta.shape[-1] > 1)
    theta[..., 1:] /= _fault_root2
    return theta


def _fault_tensor_to_real(omega, B):
    # the separable route's map to the same unnormalised basis
    index, weight = _fault_tensor(omega, B)
    weight = weight.copy()
    _fault_hit("_separable.tensor_to_real", weight.shape[1] > 1)
    weight[:, 1:] /= _fault_root2
    return index, weight


_fault_rebind(_fault_basis, _fault_basis_matrix)
_fault_rebind(_fault_coordinates, _fault_real_coordinates)
_fault_rebind(_fault_tensor, _fault_tensor_to_real)
'''

TRANSPOSED_BACKWARD = '''
_fault_jacobian = _fault_canon.nets.per_sample_gradients
_fault_disparity = _fault_canon.disparity.disparity_matrix


def _fault_order(net):
    """Where each derivative lands when dW_l is formed as a delta^T and flattened."""
    order, start = [], 0
    for out, inputs in net.layer_shapes:
        block = _fault_np.arange(out * inputs).reshape(out, inputs).T.ravel()
        order.append(start + block)
        order.append(start + out * inputs + _fault_np.arange(out))     # biases
        start += out * (inputs + 1)
    return _fault_np.concatenate(order)


def _fault_per_sample_gradients(net, w, x):
    # the gradient of W_l computed transposed (a delta^T, not delta a^T), then
    # flattened into W_l's slots: df/dW_l[o, i] lands where df/dW_l[i', o'] belongs
    J = _fault_jacobian(net, w, x)
    order = _fault_order(net)
    _fault_hit("per_sample_gradients", _fault_np.any(order != _fault_np.arange(net.M)))
    return J[:, order]


def _fault_disparity_matrix(net, w, space, *args, **kwargs):
    # the same transposed layer gradients in the rows of H, in every fast route (they
    # share MLP.layer_factors); the autograd route has no hand-written backward pass
    H = _fault_disparity(net, w, space, *args, **kwargs)
    if (args[0] if args else kwargs.get("method", "auto")) == "autograd":
        return H
    order = _fault_order(net)
    _fault_hit("disparity_matrix", _fault_np.any(order != _fault_np.arange(net.M)))
    return _fault_np.array(H)[order]


_fault_rebind(_fault_jacobian, _fault_per_sample_gradients)
_fault_rebind(_fault_disparity, _fault_disparity_matrix)
'''

RELU_SUBGRADIENT = '''
_fault_relu = _fault_canon.activations.ACTIVATIONS["relu"]


def _fault_relu_derivative(z):
    # (z >= 0): slope 1 at the kink, where autograd's np.where(z > 0, z, 0) gives 0
    _fault_hit("relu derivative", _fault_np.any(_fault_np.asarray(z) == 0))
    return (_fault_np.asarray(z) >= 0).astype(_fault_np.float64)


_fault_canon.activations.ACTIVATIONS["relu"] = (_fault_relu[0], _fault_relu_derivative,
                                               *_fault_relu[2:])
'''

# Chapters that call canon's H, layer factors or hand-written derivatives.
_GRADIENTS = ("disparity", "stationary_points", "gradient_descent", "degeneracy", "beyond",
              "computing_h")
_EQUAL_FUNCTIONS = ("it computes Fourier coefficients only to compare those of functions "
                    "that are equal (symmetries), a comparison every linear map of the "
                    "samples passes; its data come from the grid, not from Omega")
FAULTS = [
    Fault("sine_sign", "the sine coordinates of fourier_coefficients have the wrong sign "
          "(+sqrt(2) Im theta_k for -sqrt(2) Im theta_k), the basis itself is right",
          ("canonical_space", "convexity", "disparity", "stationary_points",
           "gradient_descent", "beyond", "computing_h", "relu_kinks"), SINE_SIGN,
          {"literal_space": _EQUAL_FUNCTIONS + "; a sign leaves max |theta| unchanged too"}),
    Fault("endpoint_grid", "Grid.points gives the endpoint grid x_j = j/n instead of the "
          "midpoint grid (j + 1/2)/n that the coefficients' phase and the separable "
          "route assume", CHAPTERS, ENDPOINT_GRID),
    Fault("dropped_bias_row", "the fast routes of disparity_matrix leave the row of the "
          "output bias at zero", _GRADIENTS + ("relu_kinks",), BIAS_ROW),
    Fault("tanh_derivative", "the hand-written tanh derivative is 1 - tanh instead of "
          "1 - tanh^2 (layer factors, hence H and per-sample gradients, and the backward "
          "pass of gradient descent)", _GRADIENTS, TANH_DERIVATIVE),
    Fault("cube_off_by_one", "cube(d, B) enumerates range(-B, B) instead of "
          "range(-B, B + 1): the frequencies with a component +-B are missing "
          "(full_space, cube_space and ball with it)", CHAPTERS[1:], CUBE_OFF_BY_ONE,
          {"literal_space": _EQUAL_FUNCTIONS}),
    Fault("basis_normalisation", "the real basis lacks the factor sqrt(2) on its cosines "
          "and sines, consistently in basis_matrix, fourier_coefficients and the "
          "separable route of H", CHAPTERS[1:] + ("relu_kinks",), BASIS_NORMALISATION,
          {"literal_space": _EQUAL_FUNCTIONS}),
    Fault("transposed_backward", "the per-sample gradient of a weight matrix W_l is formed "
          "transposed (a delta^T) and flattened into W_l's slots, in per_sample_gradients "
          "and in the fast routes of H",
          ("disparity", "stationary_points", "gradient_descent", "degeneracy", "computing_h",
           "relu_kinks"),
          TRANSPOSED_BACKWARD,
          {"beyond": "all its networks with H or J have d = 1 and one hidden layer: every "
                     "weight block is a vector, the transposed layout is the same (the "
                     "run records 0 changed calls)"}),
    Fault("relu_subgradient", "the hand-written ReLU derivative is 1 at z = 0 (z >= 0) "
          "instead of 0, canon's convention (autograd's max(z, 0) would give 1/2)", ("relu_kinks",),
          RELU_SUBGRADIENT,
          {**{chapter: "it calls canon's ReLU derivative, but never at a pre-activation that "
                       "is exactly 0, the only place the fault changes anything (the run "
                       "records 0 changed calls)"
              for chapter in ("disparity", "stationary_points", "degeneracy", "beyond")},
           "gradient_descent": "one unit of its d = 2 ReLU run has a pre-activation exactly "
                               "0 at a data point for 56 steps (60 of about 16,000 calls "
                               "change); any value in [0, 1] is a valid subgradient there, "
                               "and every certificate of the chapter passes under either "
                               "choice (observed in the fault run, not proved)"}),
]
FAULTS_BY_NAME = {fault.name: fault for fault in FAULTS}


def pairs(faults=FAULTS):
    """Every (fault, chapter) pair the matrix runs."""
    return [(fault.name, chapter) for fault in faults for chapter in fault.chapters]


def run_pair(fault_name, chapter, timeout=CELL_TIMEOUT):
    """Execute one chapter with one fault, in a temporary copy; return what failed.

    Returns
    -------
    dict
        ``caught_by`` (labels of the certificates that failed), ``other_errors``
        (exception names of cells that raised anything else), ``hits`` (per faulty
        function: calls, calls that changed the result) and ``seconds``.
    """
    import nbformat
    from nbclient import NotebookClient

    fault = FAULTS_BY_NAME[fault_name]
    notebook = nbformat.read(os.path.join(BOOK, f"{chapter}.ipynb"), as_version=4)
    patch = nbformat.v4.new_code_cell(PRELUDE + fault.patch)
    report = nbformat.v4.new_code_cell(
        f"import json as _fault_json\nprint({HITS_MARK!r} + _fault_json.dumps(_FAULT_HITS))")
    # after the hidden install cell, before the chapter's imports (which may bind canon
    # functions by name); a chapter without that cell gets the patch first
    first = notebook.cells[0] if notebook.cells else None
    after = int(first is not None and "remove-cell" in first.get("metadata", {}).get("tags", []))
    notebook.cells = notebook.cells[:after] + [patch] + notebook.cells[after:] + [report]
    with tempfile.TemporaryDirectory(prefix=f"fault-{fault_name}-") as folder:
        # the chapter runs with cwd = a copy of book/ (as in the build), never in it
        work = os.path.join(folder, "book")
        shutil.copytree(BOOK, work, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                allow_errors=True, resources={"metadata": {"path": work}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    caught, other, hits = [], [], None
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                match = CERTIFICATE.search(output.get("evalue", ""))
                if match and output.get("ename") == "AssertionError":
                    caught.append(match.group(1))
                else:
                    other.append(output.get("ename", "?"))
            elif output.get("output_type") == "stream" and HITS_MARK in output.get("text", ""):
                text = output["text"]
                hits = json.loads(text[text.index(HITS_MARK) + len(HITS_MARK):].strip())
    return {"caught_by": sorted(set(caught)), "other_errors": other, "hits": hits,
            "seconds": round(seconds, 1)}


def _environment():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    env.pop("CANON_LEDGER_DIR", None)          # faulty runs never write to a ledger
    env.pop("CANON_STUDENT", None)
    return env


def _run_in_subprocess(fault_name, chapter):
    # one process per pair: a fault never leaks into the next chapter's kernel
    result = subprocess.run([sys.executable, os.path.abspath(__file__), fault_name, chapter],
                            capture_output=True, text=True, env=_environment(), cwd=ROOT)
    if result.returncode != 0:
        return {"caught_by": [], "other_errors": [f"runner failed: {result.stderr[-2000:]}"],
                "hits": None, "seconds": None}
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_matrix(faults=FAULTS, workers=2, output=OUTPUT):
    """Run every pair of ``faults`` on ``workers`` processes; write and return the results."""
    todo = pairs(faults)
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        done = list(pool.map(lambda pair: _run_in_subprocess(*pair), todo))
    results = {"faults": {}, "workers": workers,
               "seconds": round(time.perf_counter() - start, 1)}
    for fault in faults:
        results["faults"][fault.name] = {"description": fault.description,
                                         "not_concerned": dict(fault.not_concerned),
                                         "chapters": {}}
    for (name, chapter), result in zip(todo, done):
        results["faults"][name]["chapters"][chapter] = result
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8") as stream:
        json.dump(results, stream, indent=1, sort_keys=True)
    return results


def summary(results):
    """A fault x chapter table: the certificates that failed, or what else happened."""
    lines = [f"fault matrix: {sum(len(f['chapters']) for f in results['faults'].values())} "
             f"runs in {results['seconds']:.0f} s on {results['workers']} workers"]
    for name, fault in results["faults"].items():
        for chapter, result in fault["chapters"].items():
            if result["caught_by"]:
                shown = ", ".join(result["caught_by"])
            else:
                others = sorted(set(result["other_errors"]))
                shown = "NOT CAUGHT" + (f" (other errors: {', '.join(others)})" if others else "")
            lines.append(f"{name:20s} {chapter:18s} {result['seconds'] or 0:6.1f} s  {shown}")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(run_pair(*sys.argv[1:])))
    else:
        chosen = [FAULTS_BY_NAME[name] for name in sys.argv[1:]] or FAULTS
        print(summary(run_matrix(chosen)))
