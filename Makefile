# Two commands on a fresh machine: `make run` and `make test`.
# Without DATABASE_URL / REDIS_URL they use an embedded PostgreSQL and Redis under var/.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
# Development runs give what production must give (settings refuse to start without them when
# DJANGO_DEBUG is off): a development secret key and, when no URL is set, the embedded servers.
DEV := $(BIN)/python -m config.devenv

.PHONY: install run test bench lint migrate demo clean-var screenshots totp sweep

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

# Node tools of the tests (openapi-typescript and the TypeScript compiler, package.json): Node and npm
# from Debian's packages, installed here when missing and we are root on a Debian-like system.
NODE_STAMP := node_modules/.installed-$(shell sha1sum package-lock.json | cut -c1-12)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; } \
	  || { echo "make install needs Node and npm: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error >/dev/null  # quiet: `make -s totp` prints only the code
	rm -f node_modules/.installed-*
	touch $@

install: $(STAMP) $(NODE_STAMP)

migrate: install
	$(DEV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV) $(BIN)/python manage.py seed_demo --if-empty --employers 200 --persons 5000 --seed 1
	$(DEV) $(BIN)/python manage.py demo_accounts

run: demo
	$(DEV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(DEV) $(BIN)/python scripts/run.py

test: install
	$(DEV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Screenshots of the home page and a person's file at 1366 x 768 in Chinese, and of the person's own
# pages at 360 and 1366 px (docs/screenshots/), taken by the browser tests; they need chromium and a
# CJK font (fonts-noto-cjk).
screenshots: install
	SCREENSHOT_DIR=docs/screenshots $(DEV) $(BIN)/python -m pytest tests/browser/test_clerk_flows.py -k main_flows $(PYTEST_ARGS)
	SCREENSHOT_DIR=docs/screenshots $(DEV) $(BIN)/python -m pytest tests/browser/test_person_pages.py tests/browser/test_pension_pages.py tests/browser/test_dispute_pages.py tests/browser/test_flexible_page.py $(PYTEST_ARGS)

# The current TOTP code of a demo clerk (`make totp`, `make totp WHO=supervisor`): what an app enrolled
# with the otpauth URL `make run` prints would show. Runs in the development environment itself.
WHO ?= clerk
totp: install
	@$(DEV) $(BIN)/python manage.py demo_accounts --code $(WHO)

# The daily deadline sweep, by hand (reminders, escalations, missed deadlines), in the development environment.
sweep: install
	$(DEV) $(BIN)/python manage.py shell -c "from agency.tasks import deadline_sweep; print(deadline_sweep())"

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# The load generator is wrk (Debian package); installed here when we are root on a Debian-like system.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && apt-get install -y -q wrk; } \
	  || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(DEV) $(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean-var:
	rm -rf var
