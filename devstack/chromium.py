"""The system Chromium under Playwright, quiet and offline, with the stack's hosts on loopback."""

import os
from collections.abc import Iterable

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Root in a container needs --no-sandbox; the rest keeps Chromium from calling home.
QUIET_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]


def chromium_args(hosts: Iterable[str]) -> list[str]:
    """Flags for Chromium; `hosts` (names without ports) resolve to 127.0.0.1, nothing else does.

    Browsers already send `*.localhost` to loopback; the explicit rule makes it so for any
    host name, and refuses every other name instead of asking a DNS server.
    """
    rules = [f"MAP {host} 127.0.0.1" for host in hosts]
    rules.append("MAP * ~NOTFOUND")
    return [*QUIET_FLAGS, f"--host-resolver-rules={', '.join(rules)}"]


def launch(
    playwright, hosts: Iterable[str] = (), *, proxy: str | None = None, headless: bool = True
):
    """Chromium resolving `hosts` to loopback; or, with `proxy` (an http://127.0.0.1:PORT URL),
    resolving no name itself and sending every request to that proxy."""
    if proxy is None:
        return playwright.chromium.launch(
            executable_path=CHROMIUM, headless=headless, args=chromium_args(hosts)
        )
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=headless,
        args=[*QUIET_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        proxy={"server": proxy},
    )
