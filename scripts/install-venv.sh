#!/usr/bin/env bash
# Installs the pinned test requirements, this plugin and the development stack devstack/ (a
# distribution of its own that the plugin's wheel never ships), both editable, into the
# virtualenv VENV; only when one of their files changed since the last time, so a second run
# is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$1
stamp=$venv/.installed
if [ ! -f "$stamp" ] || [ requirements/test.txt -nt "$stamp" ] || [ setup.py -nt "$stamp" ] \
  || [ devstack/pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: installing Python packages into $venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r requirements/test.txt
  "$venv/bin/python" -m pip install -q -e . -e ./devstack
  touch "$stamp"
fi
