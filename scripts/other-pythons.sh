#!/usr/bin/env bash
# The plugin runs on every Python that Tutor 22 runs on; the tests run under each one this
# machine has, not only under .venv's.
#
#   scripts/other-pythons.sh setup   a virtualenv .venv-3.X for each other supported Python found
#   scripts/other-pythons.sh test    a cheap subset of the tests under each of them
#
# The supported versions are the plugin's "Programming Language :: Python :: 3.X" classifiers
# (setup.py), read from its installation in .venv. An interpreter is `python3.X` on PATH, else
# the one pyenv has installed for 3.X; a version this machine lacks is skipped with a line.
set -euo pipefail
cd "$(dirname "$0")/.."

# Under the other Pythons, a cheap subset (about a minute and a half each on two cores; the whole
# suite drives Tutor in subprocesses and takes far longer): the app's unit tests, and the plugin
# built as a wheel and installed (as a wheel and editable) into a virtualenv of that Python,
# where the real tutor loads it and renders the whole environment with it.
TESTS=(tests/app/test_app_units.py tests/plugin/test_packaging.py)

supported_versions() {
  .venv/bin/python - <<'EOF'
import importlib.metadata
import sys

own = f"{sys.version_info.major}.{sys.version_info.minor}"
prefix = "Programming Language :: Python :: "
for classifier in importlib.metadata.metadata("tutor-lmsauth").get_all("Classifier"):
    version = classifier.removeprefix(prefix)
    if classifier.startswith(prefix) and version.count(".") == 1 and version != own:
        print(version)
EOF
}

interpreter_for() {
  local version=$1 candidates=() candidate prefix
  candidate=$(command -v "python$version" || true)
  [ -z "$candidate" ] || candidates+=("$candidate")
  if command -v pyenv >/dev/null && prefix=$(pyenv prefix "$version" 2>/dev/null); then
    candidates+=("$prefix/bin/python$version")
  fi
  # A pyenv shim is on PATH for every installed version, but runs only the selected ones.
  for candidate in "${candidates[@]}"; do
    if [ -x "$candidate" ] && "$candidate" -c "" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
}

setup() {
  local version python venv
  for version in $(supported_versions); do
    python=$(interpreter_for "$version")
    if [ -z "$python" ]; then
      echo "bootstrap: no Python $version on this machine: the tests will not run under it"
      continue
    fi
    venv=".venv-$version"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    scripts/install-venv.sh "$venv"
  done
}

run_tests() {
  local version venv
  for version in $(supported_versions); do
    venv=".venv-$version"
    if [ ! -x "$venv/bin/python" ]; then
      echo "test: no Python $version on this machine: its tests are skipped"
      continue
    fi
    echo "test: the app's unit tests and the installed plugin under Python $version"
    "$venv/bin/python" -m pytest -q "${TESTS[@]}"
  done
}

case "${1:-}" in
  setup) setup ;;
  test) run_tests ;;
  *)
    echo "usage: $0 setup|test" >&2
    exit 2
    ;;
esac
