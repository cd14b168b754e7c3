# The two commands the README opens with: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: bootstrap test lint format demo launch bench clean

bootstrap:
	scripts/bootstrap.sh

test: bootstrap lint
	pytest

lint: bootstrap
	ruff check .
	ruff format --check .

format: bootstrap
	ruff format .
	ruff check --fix .

demo: bootstrap
	python -m devstack.demo $(DEMO_ARGS)

# `tutor local launch` rehearsed on podman, alone, with a line per Tutor command.
launch: bootstrap
	pytest -m launch -s -p no:cacheprovider tests/launch

bench: bootstrap
	python bench/provision.py
	python bench/app.py
	python bench/load.py
	python bench/rotation.py

clean:
	rm -rf $(VENV) build dist artifacts .demo *.egg-info devstack/*.egg-info
