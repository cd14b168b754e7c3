# The two commands the README opens with: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: bootstrap test lint format demo launch bench clean

bootstrap:
	scripts/bootstrap.sh

# The whole suite under .venv's Python, then a cheap subset (the app's units, the installed plugin)
# under each other Python the plugin supports that this machine has (scripts/other-pythons.sh).
test: bootstrap lint
	pytest
	scripts/other-pythons.sh test

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
	rm -rf $(VENV) $(VENV)-* build dist artifacts .demo *.egg-info devstack/*.egg-info
