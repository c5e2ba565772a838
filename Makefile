# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8050
DEMO_DB := data/demo.sqlite
DEMO_URL := sqlite:///$(CURDIR)/$(DEMO_DB)

.PHONY: install demo test bench clean-demo

# The virtual environment is rebuilt only when the requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

$(DEMO_DB): | $(VENV)/.installed
	mkdir -p data
	$(PY) -m demo.generate --preset gusu --url $(DEMO_URL)

# Serves the demo city on http://127.0.0.1:$(PORT) with the live feed running
# beside it (at 10x the city's real pace, so the screens visibly move); Ctrl-C stops both.
demo: install $(DEMO_DB)
	@$(PY) -m demo.live --url $(DEMO_URL) --pace 10 & feed=$$!; \
	trap 'kill $$feed 2>/dev/null' EXIT INT TERM; \
	echo "OneScreen: http://127.0.0.1:$(PORT)/  (live feed pid $$feed)"; \
	ONESCREEN_DATABASE_URL=$(DEMO_URL) $(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) \
		--workers 2 --threads 4 --timeout 60 app:server

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m bench.run

clean-demo:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
