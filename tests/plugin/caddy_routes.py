"""Follow a request through `caddy adapt` JSON: which upstream gets it, with which path.

Only what Tutor's Caddyfile and our patches use is modelled: host and path matchers, subroutes,
handler groups (one route per group), prefix-stripping rewrites, static responses and reverse
proxies; anything else in a matched route fails loudly so the model cannot silently drift.
"""

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    handler: str  # "reverse_proxy" or "static_response"
    upstream: str = ""
    path: str = ""
    status: int = 0
    location: str = ""
    # How long the proxy holds a request while its upstream is down ("" if it does not).
    hold: str = field(default="", compare=False)
    # The path of its active health check, which must answer before requests reach it.
    health: str = field(default="", compare=False)
    # Response headers the site's `header` directives set on the way.
    headers: dict[str, list[str]] = field(default_factory=dict, compare=False)


PASSIVE_HANDLERS = {"encode", "request_body", "log"}


def _matches(matcher_sets: list[dict[str, Any]], host: str, path: str) -> bool:
    if not matcher_sets:
        return True
    for matchers in matcher_sets:
        ok = True
        for kind, value in matchers.items():
            if kind == "host":
                ok = ok and host in value
            elif kind == "path":
                ok = ok and any(fnmatch.fnmatchcase(path, pattern) for pattern in value)
            elif kind == "path_regexp":
                ok = ok and re.search(value["pattern"], path) is not None
            else:
                raise NotImplementedError(f"matcher {kind}")
        if ok:
            return True
    return False


def _walk(
    routes: list[dict[str, Any]], host: str, path: str, headers: dict[str, list[str]]
) -> tuple[Outcome | None, str]:
    used_groups: set[str] = set()
    for route in routes:
        group = route.get("group")
        if group in used_groups or not _matches(route.get("match", []), host, path):
            continue
        if group:
            used_groups.add(group)
        for handler in route.get("handle", []):
            name = handler["handler"]
            if name == "subroute":
                outcome, path = _walk(handler["routes"], host, path, headers)
                if outcome:
                    return outcome, path
            elif name == "rewrite":
                prefix = handler.get("strip_path_prefix", "")
                if "*" not in prefix and path.startswith(prefix):
                    path = path[len(prefix) :] or "/"
                if "uri" in handler:
                    path = handler["uri"]
            elif name == "reverse_proxy":
                (upstream,) = handler["upstreams"]
                hold = handler.get("load_balancing", {}).get("try_duration", "")
                dial = upstream["dial"]
                health = handler.get("health_checks", {}).get("active", {}).get("uri", "")
                outcome = Outcome("reverse_proxy", dial, path, hold=hold, headers=headers)
                outcome.health = health
                return outcome, path
            elif name == "static_response":
                location = handler.get("headers", {}).get("Location", [""])[0]
                status = int(handler.get("status_code", 200))
                return Outcome("static_response", status=status, location=location), path
            elif name == "headers":
                headers.update(handler.get("response", {}).get("set", {}))
            elif name not in PASSIVE_HANDLERS:
                raise NotImplementedError(f"handler {name}")
        if route.get("terminal"):
            break
    return None, path


def route(config: dict[str, Any], host: str, path: str) -> Outcome | None:
    """What the Caddy server listening on :80 does with a request for http://host/path."""
    for server in config["apps"]["http"]["servers"].values():
        if ":80" in server["listen"]:
            return _walk(server["routes"], host, path, {})[0]
    raise LookupError("no server on :80")
