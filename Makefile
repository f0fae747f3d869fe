# The book's two commands (see README.md):
#   make book   build the whole book, executing every chapter, and say where to open it
#   make test   unit tests, nbval on every chapter, a strict build, a browser check
# Both create .venv on first use (Python 3.10+ and pip are all they need) and are idempotent.

PYTHON  ?= python3
# One BLAS thread: the book's matrices are small, and threaded OpenBLAS on a busy 2-core
# machine made small SVDs up to 100x slower; it also keeps round-off identical between runs.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
BUILD   := _build
JB      := $(BIN)/jupyter-book

.PHONY: book book-student test faults unit notebooks strict-build site-check chromium bench clean student-notebooks pdf lab texlive

book: $(STAMP)
	$(JB) build . --all
	@echo
	@echo "The book is built: open $(CURDIR)/$(BUILD)/html/index.html in a browser"
	@echo "(or serve it: $(BIN)/python -m http.server -d $(BUILD)/html 8000)."
	-@if [ -n "$$DISPLAY" ] && command -v xdg-open >/dev/null; then xdg-open $(BUILD)/html/index.html; fi

book-student: $(STAMP)
	CANON_STUDENT=1 $(JB) build . --all --path-output $(BUILD)/student
	@echo "Student edition (solutions hidden): $(CURDIR)/$(BUILD)/student/_build/html/index.html"

test: $(STAMP) chromium texlive
	rm -rf $(BUILD)
# Fault injection first (tests/faults.py): the chapters run with deliberate errors in
# canon, and _build/faults/caught.json, which the ledger of the build below reads, says
# which certificates caught which faults. A fault no certificate caught fails the target
# at its end, after the other checks have run.
	$(BIN)/python -m pytest tests/test_faults.py -m faults --tb=short -p no:cacheprovider \
	  || { mkdir -p $(BUILD)/faults && touch $(BUILD)/faults/failed; }
	$(JB) build . --all -W -n --keep-going
# The student edition, as strict: it renders the notebooks' stored outputs (nbval checks them)
# instead of executing them again, and its ledger shows the certificates of the build above.
	mkdir -p $(BUILD)/student/_build && cp -R $(BUILD)/ledger $(BUILD)/student/_build/
	if [ -d $(BUILD)/faults ]; then cp -R $(BUILD)/faults $(BUILD)/student/_build/; fi
	sed -e 's/^\(  execute_notebooks:\).*/\1 "off"/' -e 's|^\(    canon_sphinx:\) _ext$$|\1 $(CURDIR)/_ext|' \
	  _config.yml > $(BUILD)/student/_config.yml
	CANON_STUDENT=1 $(JB) build . --all -W -n --keep-going --config $(BUILD)/student/_config.yml --path-output $(BUILD)/student
	$(BIN)/python -m pytest tests book --nbval -m "not faults" -p no:cacheprovider
	@if [ -e $(BUILD)/faults/failed ]; then \
	  echo "Fault injection failed: some fault is caught by no certificate ($(BUILD)/faults/caught.txt)"; exit 1; \
	fi

# Only the fault-injection matrix (50 chapter runs: about 6 minutes on 2 workers).
faults: $(STAMP)
	$(BIN)/python -m pytest tests/test_faults.py -m faults --tb=short -p no:cacheprovider

unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not site and not pdf" -p no:cacheprovider

notebooks: $(STAMP)
	$(BIN)/python -m pytest book --nbval -p no:cacheprovider

strict-build: $(STAMP)
	rm -rf $(BUILD)
	$(JB) build . --all -W -n --keep-going

site-check: $(STAMP) chromium
	$(BIN)/python -m pytest tests/test_site.py -p no:cacheprovider

# The PDF edition: Sphinx's LaTeX, compiled with pdflatex (Debian's TeX Live).
pdf: $(STAMP) texlive
	$(JB) build . --all --builder pdflatex
	@echo
	@echo "The PDF edition is built: $(CURDIR)/$(BUILD)/latex/canon-book.pdf"

# Run the chapters yourself: JupyterLab on book/, with the .venv's kernel (canon importable).
lab: $(STAMP)
	@flags=""; [ "$$(id -u)" != 0 ] || flags="--allow-root"; \
	if [ -z "$$DISPLAY" ]; then \
	  flags="$$flags --no-browser"; \
	  echo "No display: open the http://127.0.0.1:8888/lab?token=... address printed below in a browser."; \
	fi; \
	echo "Stop the server with Ctrl-C."; \
	$(BIN)/jupyter lab book/ $$flags

# The benchmark uses both cores in every system it compares (numpy/OpenBLAS, XLA, torch).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 $(BIN)/python bench/bench_disparity.py $(BENCH_ARGS)

student-notebooks: $(STAMP)
	$(BIN)/python scripts/student_notebooks.py

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[book,test]"
	touch $(STAMP)

# The browser check drives Debian's chromium (no browser download).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser check"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "The browser check needs chromium: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

# The PDF edition and its test need pdflatex, latexmk, the fonts Sphinx's LaTeX uses, and
# poppler's pdftotext (Debian packages, without the recommended extras: about 350 MB).
TEXLIVE := texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk tex-gyre poppler-utils
texlive:
	@if ! command -v pdflatex >/dev/null 2>&1 || ! command -v latexmk >/dev/null 2>&1 \
	    || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's TeX Live for the PDF edition"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEXLIVE) >/dev/null; \
	  else \
	    echo "The PDF edition needs TeX Live: sudo apt-get install --no-install-recommends $(TEXLIVE)"; exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(BUILD) .jupyter_cache
