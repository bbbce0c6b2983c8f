# Kechuang: `make demo` serves the demo county, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench serve install clean messages

# Re-install only when the lock or the project metadata changed, so a second run starts fast.
$(STAMP): requirements/dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/kechuang migrate --noinput -v 0
	$(BIN)/kechuang demo
	@echo "科创演示县：http://$(HOST):$(PORT)/"
	$(BIN)/kechuang runserver $(HOST):$(PORT) --noreload

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy kechuang

# The whole suite on SQLite, then again on PostgreSQL when KECHUANG_TEST_DATABASE_URL is set.
pytest: $(STAMP)
	$(BIN)/kechuang makemigrations --check --dry-run -v 0
	$(BIN)/pytest
	@if [ -n "$$KECHUANG_TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$KECHUANG_TEST_DATABASE_URL"; \
		DATABASE_URL="$$KECHUANG_TEST_DATABASE_URL" $(BIN)/pytest || exit 1; \
	else echo "== KECHUANG_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run

messages: $(STAMP)
	cd kechuang && ../$(BIN)/kechuang makemessages -l en --no-obsolete && ../$(BIN)/kechuang compilemessages -l en

clean:
	rm -rf $(VENV) var staticfiles
