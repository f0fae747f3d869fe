"""How the book is cited and licensed: CITATION.cff, the introduction, the licence files.

- ``CITATION.cff`` is valid Citation File Format 1.2.0 (the schema ships with
  check-jsonschema: offline), cites the book and references the paper it follows
  (H. Jiang, arXiv:1903.02140, 2019);
- the introduction's "How to cite this book" gives the same title, year, address and
  paper, and the README's badges and address are the same repository's;
- the licences are stated the same way everywhere: text and figures CC BY 4.0
  (``LICENSE-content``, with the full legal code), code MIT (``LICENSE``), on every page's
  footer (``_config.yml``), in the package metadata.
"""

import pathlib
import re
import subprocess
import tomllib

import yaml
from test_workflows import tool

ROOT = pathlib.Path(__file__).resolve().parents[1]
CFF = ROOT / "CITATION.cff"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
REPOSITORY_URL = CONFIG["repository"]["url"].rstrip("/")
OWNER, NAME = REPOSITORY_URL.removeprefix("https://github.com/").split("/")
SITE_URL = f"https://{OWNER.lower()}.github.io/{NAME}/"


def citation():
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def how_to_cite():
    intro = (ROOT / "book" / "intro.md").read_text(encoding="utf-8")
    assert "\n## How to cite this book\n" in intro
    return intro.split("\n## How to cite this book\n", 1)[1]


def test_citation_file_is_valid_cff():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.citation-file-format", str(CFF)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert citation()["cff-version"] == "1.2.0"


def test_citation_cites_the_book_and_the_paper():
    cff = citation()
    assert cff["title"] == CONFIG["title"]
    book = cff["preferred-citation"]
    assert book["type"] == "book" and book["title"] == CONFIG["title"]
    assert book["year"] == int(CONFIG["copyright"])
    assert cff["repository-code"] == book["repository-code"] == REPOSITORY_URL
    assert cff["url"] == book["url"] == SITE_URL
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert cff["version"] == version
    (paper,) = cff["references"]
    assert paper["title"] == ("Why Learning of Large-Scale Neural Networks Behaves Like "
                              "Convex Optimization")
    assert paper["authors"] == [{"family-names": "Jiang", "given-names": "Hui"}]
    assert paper["year"] == 2019
    assert paper["url"] == "https://arxiv.org/abs/1903.02140"
    assert {"type": "doi", "value": "10.48550/arXiv.1903.02140"} in [
        {k: i[k] for k in ("type", "value")} for i in paper["identifiers"]]
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}


def test_the_introduction_cites_as_the_citation_file_does():
    section = how_to_cite()
    cff = citation()
    flat = re.sub(r"\s+", " ", section.replace(">", " "))
    assert cff["title"] in flat
    assert SITE_URL in section and f"{cff['version']}" in section
    assert "{cite}`jiang2019why`" in section
    assert "arXiv:1903.02140" in section and "10.48550/arXiv.1903.02140" in section
    assert "@book{" in section and "@misc{jiang2019why" in section
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    assert "@misc{jiang2019why," in bib
    assert "CC BY 4.0" in section and "MIT" in section
    assert "How to cite this book" in CONFIG["html"]["extra_footer"]


def test_licence_files_and_footer_agree():
    mit = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert mit.startswith("MIT License") and "Permission is hereby granted" in mit
    content = (ROOT / "LICENSE-content").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International Public License" in content
    assert "Section 8 -- Interpretation." in content or "Section 8 – Interpretation." in content
    assert "https://creativecommons.org/licenses/by/4.0/" in content
    footer = CONFIG["html"]["extra_footer"]
    assert "https://creativecommons.org/licenses/by/4.0/" in footer and "MIT" in footer
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"


def test_readme_names_this_repository_and_its_site():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = f"{REPOSITORY_URL}/actions/workflows/ci.yml/badge.svg"
    assert badge in readme, "the CI badge is this repository's"
    assert SITE_URL in readme and "https://OWNER.github.io/REPO/" in readme
    assert "Settings → Pages" in readme and "GitHub Actions" in readme
