# Every target creates the virtualenv from requirements.lock on first use; only python3 is assumed.
SHELL := /bin/bash
VENV ?= .venv
# The interpreter the virtualenv is made from; the lock holds CPython 3.11 wheels.
PYTHON3 ?= python3
PYTHON := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
# Keras 2 (tf-keras) everywhere: TFX 1.16 and tf.Transform 1.16 do not work with Keras 3.
export TF_USE_LEGACY_KERAS := 1

.DEFAULT_GOAL := help
.PHONY: help install browser run test test-long test-fast airflow-test kubeflow-test portable-test bench calibrate lint format lock schema kubeflow-golden clean clean-outputs

help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON3) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "requirements.lock is for CPython 3.11; $(PYTHON3) is $$($(PYTHON3) --version 2>&1)." \
	    "Run make with PYTHON3=/path/to/python3.11" >&2; exit 1; }
	@test -x $(PYTHON) || $(PYTHON3) -m venv $(VENV) || { \
	  echo "$(PYTHON3) -m venv failed: on Debian, apt-get install python3-venv" >&2; exit 1; }
	@test -x $(UV) || $(PYTHON) -m pip install --quiet uv==$(UV_VERSION)
	$(UV) pip install --python $(PYTHON) --no-deps --require-hashes -r requirements.lock
	$(UV) pip install --python $(PYTHON) --no-deps --no-build-isolation -e .
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv from the lock (done by run and test on first use)

browser: ## Install Debian's chromium for the HTML report's browser test (needs root or sudo)
	@dpkg -s chromium fonts-liberation >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation; }
	@chromium --version 2>/dev/null

run: $(VENV)/.installed ## Run the whole pipeline on data/iris (outputs in ./outputs)
	$(PYTHON) local_runner.py $(ARGS)

test: $(VENV)/.installed browser ## Run every test, end-to-end and browser included, but the long sequences (test-long)
	$(PYTHON) -m pytest -m "not long" --durations=15 $(PYTEST_ARGS)

test-long: $(VENV)/.installed ## Run the long end-to-end tests make test leaves out: kept-schema, kill, rewrite and code-edit faults, single-run checks, own data, Airflow, kfp.local, Beam portable runner (CI runs both)
	$(PYTHON) -m pytest -m long --durations=15 $(PYTEST_ARGS)

test-fast: $(VENV)/.installed ## Run the unit tests only (no end-to-end pipeline run)
	$(PYTHON) -m pytest -m "not e2e" $(PYTEST_ARGS)

airflow-test: $(VENV)/.installed ## Run the pipeline under Airflow (airflow dags test, SQLite)
	$(PYTHON) -m pytest -m airflow $(PYTEST_ARGS)

kubeflow-test: $(VENV)/.installed ## Run the compiled Kubeflow spec with kfp.local: push, bad data stopped at the gate, rerun against the served model (~16 min)
	$(PYTHON) -m pytest -m kubeflow --durations=15 $(PYTEST_ARGS)

portable-test: $(VENV)/.installed ## Run the pipeline on Beam's portable runner (job service, external worker pool) against the in-process run, and with workers lacking TF_USE_LEGACY_KERAS (~6 min)
	$(PYTHON) -m pytest -m portable --durations=15 $(PYTEST_ARGS)

bench: $(VENV)/.installed ## Time the pipeline on Iris, 10k-10M generated rows and a 100-column table against TFX's stock settings (~80 min; bench/results)
	$(PYTHON) -m bench $(ARGS)

calibrate: $(VENV)/.installed ## How often the gate stops resampled and shifted data, and the drift TFDV measures (ARGS="--resamples N"; ~10 min; bench/results)
	$(PYTHON) -m bench.drift_calibration $(ARGS)

lint: $(VENV)/.installed ## Check format and lint with ruff
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

format: $(VENV)/.installed ## Format and fix lint with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

schema: $(VENV)/.installed ## Regenerate data/iris/schema.inferred.pbtxt from the data (see README)
	$(PYTHON) -m pipeline infer-schema --data-root data/iris --output data/iris/schema.inferred.pbtxt

kubeflow-golden: $(VENV)/.installed ## Refresh the golden Kubeflow packages in tests/golden/ (review the diff)
	$(PYTHON) -m pipeline compile-kubeflow --output tests/golden/kubeflow_pipeline.yaml
	$(PYTHON) -m pipeline compile-kubeflow --target vertex --output tests/golden/vertex_pipeline_job.json

lock: $(VENV)/.installed ## Re-resolve requirements.lock from pyproject.toml (needs the network)
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-manylinux_2_36 --generate-hashes --no-annotate \
	  --output-file requirements.lock

clean: ## Remove caches and build leftovers (keeps ./outputs and the virtualenv)
	rm -rf .pytest_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

clean-outputs: ## Delete ./outputs: ML Metadata, every run's artifacts and every pushed model
	rm -rf outputs
