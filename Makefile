# GeoCRM: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
GEOCRM := $(BIN)/geocrm
DEMO_CUSTOMERS ?= 2000
DEMO_SEED ?= 42

.PHONY: demo test install system-deps frontend fonts lint format db-stop clean

## demo: install everything, start PostGIS, load Helsinki, generate demo CRM data, one
## demo user per role (passwords in GEOCRM_HOME/demo-users.txt, 0600), serve
demo: install
	$(GEOCRM) db start
	$(GEOCRM) db migrate
	$(GEOCRM) load-osm
	$(GEOCRM) demo-data --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)
	$(GEOCRM) users demo
	$(GEOCRM) enrich
	$(GEOCRM) cube build
	$(GEOCRM) leads build  # after the cube: the lookalike reads its cells' context
	$(GEOCRM) serve

## test: install the same, then run the whole test suite against a real PostGIS
test: install
	$(BIN)/ruff check geocrm tests benchmarks
	$(BIN)/ruff format --check geocrm tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/pytest

install: system-deps $(VENV)/.installed frontend fonts

system-deps:
	@bash scripts/install-system-deps.sh

## frontend: the web map app, bundled from npm packages into frontend/dist
frontend:
	@bash scripts/build-frontend.sh

## fonts: the map labels' SDF glyphs (frontend/dist/fonts), rendered from Debian's Noto fonts
fonts: $(VENV)/.installed frontend
	$(GEOCRM) fonts build

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

lint:
	$(BIN)/ruff check geocrm tests benchmarks
	$(BIN)/lint-imports

format:
	$(BIN)/ruff format geocrm tests benchmarks
	$(BIN)/ruff check --fix geocrm tests benchmarks

db-stop:
	$(GEOCRM) db stop

clean: db-stop
	rm -rf .geocrm data/generated
