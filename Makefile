# xl-crm: every target creates its own virtual environment (.venv) on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format bench bench-full docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: build every built-in template with sample data into demo/
demo: $(STAMP)
	$(BIN)/python -m xl_crm demo --out demo

## test: lint and run the test suite
test: $(STAMP)
	$(BIN)/ruff check xl_crm sheets_sync tests benchmarks
	$(BIN)/ruff format --check xl_crm sheets_sync tests benchmarks
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff check --fix xl_crm sheets_sync tests benchmarks
	$(BIN)/ruff format xl_crm sheets_sync tests benchmarks

## bench: quick benchmarks (100,000 rows, ~4 min); bench-full: Excel's maximum, 1,048,575
## rows (~25 min, most of it the openpyxl comparisons); figures go to docs/performance.md
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --rows 100000
	$(BIN)/python benchmarks/bench_validate.py --rows 100000
	$(BIN)/python benchmarks/bench_compute.py --rows 100000
	$(BIN)/python benchmarks/bench_excel.py --rows 100000

bench-full: $(STAMP)
	$(BIN)/python benchmarks/bench_build.py --rows 1048575 --templates ecommerce hotel ledger car_sales
	$(BIN)/python benchmarks/bench_validate.py --rows 1048575
	$(BIN)/python benchmarks/bench_compute.py --rows 1048575

## docs: regenerate the CLI reference and the data dictionary pages from the code
docs: $(STAMP)
	$(BIN)/python -m xl_crm.docgen docs

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache
