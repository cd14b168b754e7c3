"""The stack runs what Tutor rendered: the same Caddy routes, the same app environment."""

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from devstack import caddy
from devstack.signin import Browser, loopback_names
from devstack.stack import running_stack

# Everything devstack/caddy.py changes; anything else differing is a bug.
MAPPED = re.compile(
    r"^/(admin|storage|apps/http/http_port"
    r"|apps/http/servers/\w+/(automatic_https|listen/\d+|routes/.*/upstreams/\d+/dial))$"
)


def test_caddy_serves_the_rendered_routes_with_only_addresses_mapped(stack):
    state = stack.workdir / "caddy"
    adapted = caddy.adapt(stack.tutor.caddyfile, state)
    served = json.loads((state / "caddy.json").read_text(encoding="utf-8"))
    changes = caddy.mapping_changes(adapted, served)

    assert [change for change in changes if not MAPPED.match(change)] == []
    # The LMS's and the app's upstreams are dialled on loopback.
    assert len([change for change in changes if change.endswith("/dial")]) >= 2


def test_a_caddyfile_that_does_not_proxy_to_the_app_is_refused(stack):
    state = stack.workdir / "caddy"
    adapted = caddy.adapt(stack.tutor.caddyfile, state)

    with pytest.raises(RuntimeError, match="proxies to none of"):
        caddy.map_to_loopback(adapted, stack.port, {"notes:8000": "127.0.0.1:9"}, state)


def test_the_app_runs_with_the_rendered_environment(stack):
    rendered = stack.tutor.app_env()
    changed = {key for key in rendered if rendered[key] != stack.app_env.get(key)}

    assert changed == {"LMSAUTH_LMS_INTERNAL_URL", "LMSAUTH_DATABASE_URL"}
    assert set(stack.app_env) - set(rendered) == {"GUNICORN_BIND"}
    assert stack.app_env["LMSAUTH_PUBLIC_URL"] == rendered["LMSAUTH_PUBLIC_URL"]


def test_no_secret_in_any_log(stack):
    secrets = [stack.tutor.config()[key] for key in ("LMSAUTH_CLIENT_SECRET", "LMSAUTH_SECRET_KEY")]
    logs = [*stack.logs.iterdir(), stack.lms.log_path, stack.lms.server_log_path]

    for path in logs:
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret is in {path.name}"


def test_an_app_that_cannot_start_is_reported_and_a_restart_recovers(path_stack):
    with pytest.raises(RuntimeError, match="LMSAUTH_JWT_PUBLIC_KEYS"):
        path_stack.restart_app({"LMSAUTH_JWT_PUBLIC_KEYS": "not a key set"})

    path_stack.restart_app()
    home = requests.get(
        f"http://127.0.0.1:{path_stack.port}{urlsplit(path_stack.url('/')).path}",
        headers={"Host": f"{path_stack.lms_host}:{path_stack.port}"},
        timeout=10,
    )
    assert home.status_code == 200


def test_requests_wait_for_the_app_while_it_is_recreated(stack):
    """A restart (as `tutor local start` after a config change) costs no request a 502."""
    statuses = []
    restarted = threading.Event()

    def restart():
        stack.restart_app()
        restarted.set()

    restarter = threading.Thread(target=restart)
    restarter.start()
    try:
        while not restarted.is_set():
            url = urlsplit(stack.url("/healthz"))
            answer = requests.get(
                f"http://127.0.0.1:{stack.port}{url.path}", headers={"Host": url.netloc}, timeout=60
            )
            statuses.append(answer.status_code)
    finally:
        restarter.join()

    assert statuses, "no request was sent while the app restarted"
    assert set(statuses) == {200}


def test_the_stack_runs_with_its_own_interpreter_whatever_path_says(tmp_path, monkeypatch):
    """A `python3` without Django first on PATH (the machine's, say) changes nothing: the
    stand-in, the app and every job Tutor starts run with the interpreter the stack runs in."""
    machine_bin = tmp_path / "machine-bin"
    machine_bin.mkdir()
    base_python = Path(sys.base_prefix, "bin", "python3")
    for name in ("python", "python3"):
        # -S: no site-packages at all, so no Django, whatever this machine has installed.
        (machine_bin / name).write_text(f'#!/bin/sh\nexec {base_python} -S "$@"\n')
        (machine_bin / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{machine_bin}{os.pathsep}{os.environ['PATH']}")
    assert (
        "No module named"
        in subprocess.run(["python3", "-c", "import django"], capture_output=True, text=True).stderr
    )

    with loopback_names(), running_stack(workdir=tmp_path / "stack") as stack:
        outputs = stack.run_tutor_jobs("local", "do", "lmsauth-sync")
        browser = Browser(stack.learner).sign_in_at_lms(stack.lms_url)
        assert browser.attempt(stack.app_url) is None
    assert "lmsauth-sso: unchanged" in outputs[0][1]
