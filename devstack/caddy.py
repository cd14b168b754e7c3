"""Real Caddy serving the Caddyfile that Tutor rendered, on loopback.

In a Tutor deployment Caddy listens on port 80 of its container and reaches the services by
their compose names (`lms:8000`, `lmsauth:8000`). Here there is no container, so Caddy's own
adapter turns the rendered Caddyfile into its JSON form and only the deployment mapping changes:

- every listener is bound to 127.0.0.1 and its port becomes Caddy's plain-HTTP port (what
  `default_site_port=:80` achieves in the container; without it Caddy would switch to HTTPS on a
  non-80 port, and even try to install a local root certificate);
- the upstreams `lms:8000` and `lmsauth:8000` dial the loopback ports of the real servers;
- the admin endpoint is off and Caddy's storage lives in the stack's own folder.

Routes, matchers, headers and handlers are exactly the adapted ones; `mapping_changes` lists
every difference, and a test checks that nothing else differs.
"""

import copy
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

CADDY = "caddy"


def caddy_environment(state_dir: Path) -> dict[str, str]:
    """Environment for a Caddy process that keeps all of its state under `state_dir`."""
    return {
        **os.environ,
        "XDG_DATA_HOME": str(state_dir / "data"),
        "XDG_CONFIG_HOME": str(state_dir / "config"),
        # The public port is part of the host names (see devstack/stack.py), as Tutor
        # leaves this empty when a site address carries its own port.
        "default_site_port": "",
    }


def adapt(caddyfile: Path, state_dir: Path) -> dict[str, Any]:
    """The JSON configuration Caddy builds from the Caddyfile, unchanged."""
    result = subprocess.run(
        [CADDY, "adapt", "--adapter", "caddyfile", "--config", str(caddyfile)],
        env=caddy_environment(state_dir),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"caddy adapt failed on {caddyfile}:\n{result.stderr}")
    return json.loads(result.stdout)


def _dials(node: Any) -> Iterator[dict[str, Any]]:
    """Every reverse-proxy upstream in a Caddy JSON configuration."""
    if isinstance(node, dict):
        if "dial" in node:
            yield node
        for value in node.values():
            yield from _dials(value)
    elif isinstance(node, list):
        for value in node:
            yield from _dials(value)


def map_to_loopback(
    config: dict[str, Any], port: int, upstreams: Mapping[str, str], state_dir: Path
) -> dict[str, Any]:
    """A copy of `config` served on 127.0.0.1:`port`, with `upstreams` (name -> address) dialled.

    Every upstream in `upstreams` must appear in the configuration: a renamed service in the
    plugin must fail here rather than leave a route pointing nowhere.
    """
    mapped = copy.deepcopy(config)
    http = mapped["apps"]["http"]
    http["http_port"] = port
    for server in http["servers"].values():
        server["listen"] = [f"127.0.0.1:{port}"]
        server["automatic_https"] = {"disable": True}
    seen = set()
    for upstream in _dials(mapped):
        if upstream["dial"] in upstreams:
            seen.add(upstream["dial"])
            upstream["dial"] = upstreams[upstream["dial"]]
    missing = set(upstreams) - seen
    if missing:
        raise RuntimeError(f"The rendered Caddyfile proxies to none of {sorted(missing)}")
    mapped["admin"] = {"disabled": True}
    mapped["storage"] = {"module": "file_system", "root": str(state_dir / "storage")}
    return mapped


def mapping_changes(original: Any, mapped: Any, path: str = "") -> list[str]:
    """The JSON paths where two configurations differ (for the test that only the mapping does)."""
    if isinstance(original, dict) and isinstance(mapped, dict):
        changes = []
        for key in sorted(set(original) | set(mapped)):
            if key not in original or key not in mapped:
                changes.append(f"{path}/{key}")
            else:
                changes.extend(mapping_changes(original[key], mapped[key], f"{path}/{key}"))
        return changes
    if isinstance(original, list) and isinstance(mapped, list) and len(original) == len(mapped):
        changes = []
        for index, (left, right) in enumerate(zip(original, mapped, strict=True)):
            changes.extend(mapping_changes(left, right, f"{path}/{index}"))
        return changes
    return [] if original == mapped else [path]


def write_config(config: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def run_command(config_path: Path) -> list[str]:
    return [CADDY, "run", "--config", str(config_path)]
