# Two commands set everything up on a fresh machine:
#   make demo   - virtual environment, install, plan the shipped demo data into out/demo, then
#                 serve the demo university in the planning service (Ctrl-C stops it)
#   make test   - the same set-up, then ruff, mypy, the import contracts and the test suite
#                 (what CI runs)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench fonts pdftools bytecode catalog clean

DEMO_PORT ?= 8000

demo: $(STAMP) fonts bytecode
	$(BIN)/planner validate --data data/demo
	$(BIN)/planner plan --data data/demo --scenario scenarios/default.yaml --out out/demo
	$(BIN)/planner serve --demo --data-dir out/demo-service --port $(DEMO_PORT)

test: $(STAMP) fonts pdftools lint
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks tools
	$(BIN)/ruff format --check planner tests benchmarks tools
	$(BIN)/mypy planner
	$(BIN)/lint-imports

bench: $(STAMP) bytecode
	$(BIN)/python benchmarks/run.py

# The message catalogue: extract the marked sentences, merge them into planner/locale/*/
# planner.po, compile the .mo files. Chinese translations are then written in zh/.../planner.po.
catalog: $(STAMP)
	$(BIN)/python tools/catalog.py

# The package's compiled bytecode, as a regular install has it: an editable install under
# PYTHONDONTWRITEBYTECODE would compile every module on every run (about 0.2 s each time).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q planner

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A CJK font for Chinese chart labels (Debian's fonts-wqy-microhei). Without one the charts
# fall back to college codes and say so once; nothing fails.
fonts:
	@if fc-list 2>/dev/null | grep -qi -e 'wqy' -e 'Noto Sans CJK' -e 'Noto Serif CJK'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null) \
		|| echo "warning: could not install fonts-wqy-microhei; charts will use college codes"; \
	else echo "warning: no CJK font (install fonts-wqy-microhei); charts will use college codes"; fi

# poppler-utils (pdftotext, pdftoppm): the tests of the printed PDFs read and render their
# pages with it. Installed with apt when missing and possible; else those tests are skipped.
pdftools:
	@if command -v pdftoppm >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null) \
		|| echo "warning: could not install poppler-utils; the PDF tests will be skipped"; \
	else echo "warning: no pdftoppm (install poppler-utils); the PDF tests will be skipped"; fi

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
