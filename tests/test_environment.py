"""environment.yml, pyproject.toml, constraints.txt and the Makefile agree.

A learner who uses conda (``environment.yml``) and one who uses ``make`` must get the
same ``canon`` with the same pinned toolchain, or the notebooks' stored outputs stop
reproducing. The rules checked here:

- environment.yml installs canon with pip, ``-c constraints.txt`` and the same extras
  as the Makefile; any package it names besides python and pip is one pyproject.toml
  declares (and, if versioned, at the pinned version);
- every dependency of pyproject.toml (core and every extra) is pinned with ``==`` in
  constraints.txt, at a version its range allows;
- environment.yml's python satisfies ``requires-python``.

The checks are functions of the four files' paths, so the tests below can run them on
mutated copies and see them fail.
"""

import pathlib
import re
import shutil
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = pathlib.Path(__file__).resolve().parents[1]
FILES = ("pyproject.toml", "environment.yml", "constraints.txt", "Makefile")

#: conda packages that are the interpreter and installer, not dependencies of canon
CONDA_BASE = {"python", "pip"}


def read_constraints(path):
    """Return ``{canonical name: version}`` for the ``name==version`` lines of a pip file."""
    pins = {}
    for line in pathlib.Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)", line)
        if match is None:
            raise ValueError(f"{path}: not a name==version line: {line!r}")
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def read_environment(path):
    """Return environment.yml's conda dependencies and its pip lines, as two lists."""
    env = yaml.safe_load(pathlib.Path(path).read_text())
    conda, pip = [], []
    for dep in env.get("dependencies") or []:
        if isinstance(dep, dict):
            pip.extend(str(line).strip() for line in dep.get("pip", []))
        else:
            conda.append(str(dep).strip())
    return conda, pip


def editable_extras(line):
    """``-e .[book,test]`` (quoted or not) -> ``{"book", "test"}``; None if not such a line."""
    match = re.fullmatch(r"""-e\s+["']?\.(?:\[([^\]]*)\])?["']?""", line.strip())
    if match is None:
        return None
    return {canonicalize_name(e) for e in (match[1] or "").split(",") if e.strip()}


def makefile_extras(path):
    """The extras the Makefile's venv recipe (target ``$(STAMP)``) installs canon with."""
    in_recipe = False
    for line in pathlib.Path(path).read_text().splitlines():
        if not line.startswith("\t"):
            in_recipe = line.startswith("$(STAMP):")
        elif in_recipe and "pip install" in line and "-c constraints.txt" in line:
            match = re.search(r"""-e\s+(["']?\.\[[^\]]*\]["']?)""", line)
            if match:
                return editable_extras("-e " + match[1])
    raise ValueError(f"{path}: the $(STAMP) recipe has no 'pip install -c constraints.txt -e .[...]'")


def _conda_name_version(spec):
    # conda specs: "name", "name=1.2", "name==1.2", "name>=1.2"
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==?|>=|<=|>|<)\s*(\S+))?", spec)
    if match is None:
        raise ValueError(f"environment.yml: cannot read the conda spec {spec!r}")
    return canonicalize_name(match[1]), match[2], match[3]


def environment_problems(root):
    """Every disagreement between the four files under ``root``, as readable sentences."""
    root = pathlib.Path(root)
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    pins = read_constraints(root / "constraints.txt")
    conda, pip_lines = read_environment(root / "environment.yml")
    make_extras = makefile_extras(root / "Makefile")
    problems = []

    groups = {"dependencies": project.get("dependencies", [])}
    groups.update({f"[{name}] extra": reqs
                   for name, reqs in project.get("optional-dependencies", {}).items()})

    # every dependency, core or extra, pinned in constraints.txt inside its range
    for group, reqs in groups.items():
        for text in reqs:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            if name not in pins:
                problems.append(f"pyproject.toml {group}: {req.name} is not pinned in constraints.txt")
            elif req.specifier and not req.specifier.contains(pins[name], prereleases=True):
                problems.append(f"constraints.txt pins {req.name}=={pins[name]}, outside "
                                f"pyproject.toml's range {req.name}{req.specifier}")

    # environment.yml's pip section: the same pins and the same extras as the Makefile
    if "-c constraints.txt" not in [" ".join(line.split()) for line in pip_lines]:
        problems.append("environment.yml's pip section lacks '-c constraints.txt': "
                        "conda users would get unpinned versions")
    installs = [e for e in map(editable_extras, pip_lines) if e is not None]
    if len(installs) != 1:
        problems.append("environment.yml's pip section must install canon once with "
                        f"'-e .[extras]'; found {len(installs)} such lines")
        env_extras = set().union(*installs) if installs else set()
    else:
        env_extras = installs[0]
    declared = {canonicalize_name(e) for e in project.get("optional-dependencies", {})}
    for extra in sorted(env_extras - declared):
        problems.append(f"environment.yml installs the extra [{extra}], "
                        "which pyproject.toml does not declare")
    for extra in sorted(make_extras - env_extras):
        reqs = ", ".join(Requirement(r).name for r in project["optional-dependencies"].get(extra, []))
        problems.append(f"pyproject.toml's [{extra}] extra ({reqs}) is installed by the "
                        "Makefile but not by environment.yml")
    for extra in sorted(env_extras - make_extras):
        problems.append(f"environment.yml installs the extra [{extra}], the Makefile does not")

    # conda packages: nothing canon does not declare, and declared ones at the pinned version
    extras = project.get("optional-dependencies", {})
    installed = {canonicalize_name(Requirement(r).name)
                 for r in groups["dependencies"]
                 + [r for extra, reqs in extras.items() if canonicalize_name(extra) in env_extras
                    for r in reqs]}
    for spec in conda:
        name, op, version = _conda_name_version(spec)
        if name == "python":
            if version and op in ("=", "=="):
                allowed = SpecifierSet(project.get("requires-python", ""))
                if not allowed.contains(version + ".0" if version.count(".") == 1 else version):
                    problems.append(f"environment.yml's python={version} is outside "
                                    f"requires-python {allowed}")
            continue
        if name in CONDA_BASE:
            continue
        if name not in installed:
            problems.append(f"environment.yml installs {spec}, which pyproject.toml does not "
                            "declare (dependencies or the extras it installs)")
        elif version and op in ("=", "==") and pins.get(name) != version:
            problems.append(f"environment.yml pins {spec}, constraints.txt pins "
                            f"{name}=={pins.get(name)}")
    for pip_line in pip_lines:
        if pip_line.startswith("-") or not pip_line:
            continue
        name = canonicalize_name(Requirement(pip_line).name)
        if name not in installed:
            problems.append(f"environment.yml's pip section installs {pip_line}, which "
                            "pyproject.toml does not declare")
    return problems


def test_environment_agrees_with_pyproject_and_constraints():
    problems = environment_problems(ROOT)
    assert not problems, "\n".join(problems)


def test_environment_installs_canon_with_the_pins():
    conda, pip_lines = read_environment(ROOT / "environment.yml")
    assert "pip" in conda
    assert "-c constraints.txt" in pip_lines
    assert editable_extras(pip_lines[-1]) == makefile_extras(ROOT / "Makefile")


# Each mutation of a copy of the four files, and a word its problem report must name.
MUTATIONS = {
    "new dependency, not pinned": (
        "pyproject.toml", '"numpy>=1.24",', '"numpy>=1.24",\n    "xarray>=2023.1",', "xarray"),
    "pin removed": ("constraints.txt", "\nscipy==", "\n# scipy==", "scipy"),
    "pin outside the range": ("pyproject.toml", '"numpy>=1.24"', '"numpy>=99"', "numpy"),
    "extra dropped from environment.yml": ("environment.yml", ".[book,test]", ".[book]", "[test]"),
    "unknown extra in environment.yml": ("environment.yml", ".[book,test]", ".[book,test,gpu]", "[gpu]"),
    "constraints dropped from environment.yml": ("environment.yml", "- -c constraints.txt\n", "", "-c constraints.txt"),
    "conda package canon does not declare": ("environment.yml", "  - pip\n", "  - pip\n  - pandas\n", "pandas"),
    "conda pin differs": ("environment.yml", "  - pip\n", "  - pip\n  - numpy=1.0.0\n", "numpy"),
    "python outside requires-python": ("environment.yml", "python=3.11", "python=3.8", "python"),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_mismatch_is_reported(mutation, tmp_path):
    filename, old, new, word = MUTATIONS[mutation]
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    text = (tmp_path / filename).read_text()
    assert old in text, f"{filename} changed: update the mutation {mutation!r}"
    (tmp_path / filename).write_text(text.replace(old, new, 1))
    problems = environment_problems(tmp_path)
    assert any(word in p for p in problems), problems
