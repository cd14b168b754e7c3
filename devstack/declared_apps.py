"""Declared apps (LMSAUTH_APPS) beside the bundled one, on loopback, from what Tutor rendered.

Tutor renders a compose service for each declared app: its image and its `environment`. The
stack runs no image; it runs the apps whose image it knows how to run from source here
(`RECIPES`), each with the environment of its compose service, only the container addresses
mapped, as devstack/caddy.py maps Caddy's:

- `http://lms:8000`, the LMS's internal URL -> the stand-in LMS's loopback URL;
- `<name>:<port>`, the app's upstream in the Caddyfile -> a free loopback port it listens on.

What an app keeps on its container's own loopback (JupyterHub's API, its proxy's API) gets free
loopback ports too, so that two stacks run side by side.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .paths import REPO
from .process import Server, free_port

LMS_INTERNAL_URL = "http://lms:8000"
JUPYTERHUB_EXAMPLE = REPO / "examples" / "jupyterhub"
# The tag the README builds examples/jupyterhub under, and the demo and the tests declare.
JUPYTERHUB_IMAGE = "lmsauth-jupyterhub:6.1.1"


@dataclass(frozen=True)
class Recipe:
    """How to run an image's program here rather than in its container."""

    # The port the image serves on (the declaration's `port`).
    port: int
    # The program, serving on 127.0.0.1:<the port given>, run in the app's data folder.
    command: Callable[[int], list[str]]
    # The path that answers once it serves, from its environment.
    ready_path: Callable[[Mapping[str, str]], str]
    # Its public URL (through Caddy, ending with "/"), from its environment.
    public_url: Callable[[Mapping[str, str]], str]


def _jupyterhub(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyterhub",
        "--config",
        str(JUPYTERHUB_EXAMPLE / "jupyterhub_config.py"),
        # The image's configurable-http-proxy listens on all addresses, port 8000.
        "--ip=127.0.0.1",
        f"--port={port}",
        # In the container, the hub's API (8081) and the proxy's (8001) stay on its loopback.
        f"--JupyterHub.hub_port={free_port()}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
    ]


RECIPES = {
    JUPYTERHUB_IMAGE: Recipe(
        port=8000,
        command=_jupyterhub,
        ready_path=lambda env: env.get("HUB_BASE_URL", "/") + "hub/health",
        # The hub's callback is <its URL>hub/oauth_callback.
        public_url=lambda env: env["OAUTH_CALLBACK_URL"].removesuffix("hub/oauth_callback"),
    ),
}


def jupyterhub_declaration(routing: str, prefix: str = "/notebooks") -> dict:
    """JupyterHub declared as README's "Your own apps" shows it, on a host or under a path."""
    where = {"host": "notebooks.{{ LMS_HOST }}"} if routing == "subdomain" else {"path": prefix}
    return {
        "image": JUPYTERHUB_IMAGE,
        "port": 8000,
        **where,
        "callback_path": "/hub/oauth_callback",
        "health_path": "/hub/health",
        "env": {
            "OAUTH_CLIENT_ID": "client_id",
            "OAUTH_CLIENT_SECRET": "client_secret",
            "OAUTH_CALLBACK_URL": "redirect_uri",
            "OAUTH2_AUTHORIZE_URL": "lms_authorize_url",
            "OAUTH2_TOKEN_URL": "lms_token_url",
            "OAUTH2_USERDATA_URL": "lms_me_url",
            "OAUTH_LOGOUT_REDIRECT_URL": "lms_logout_url",
            "JPY_COOKIE_SECRET": "app_secret",
            "HUB_BASE_URL": "public_path",
            "HUB_SCOPES": "scopes",
        },
        "scopes": ["user_id", "profile", "email"],
        "frontchannel_logout_path": "/hub/logout",
    }


@dataclass
class LocalApp:
    """A declared app run here: its recipe, loopback port and data folder, and its process."""

    name: str
    recipe: Recipe
    port: int
    folder: Path
    env: dict[str, str] = field(default_factory=dict, repr=False)
    server: Server | None = field(default=None, repr=False)

    @property
    def upstream(self) -> str:
        """The address Caddy's route to it names (`<service>:<port>`)."""
        return f"{self.name}:{self.recipe.port}"

    @property
    def public_url(self) -> str:
        """Its URL as browsers see it, through Caddy, as Tutor rendered it."""
        return self.recipe.public_url(self.env)

    @property
    def loopback_url(self) -> str:
        """Where it listens here (its upstream, mapped)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, env: Mapping[str, str], process_env: Mapping[str, str], log: Path) -> None:
        """Stop it if it runs, then start it on `env` (its variables, in `process_env` with
        what any process needs), and wait until it serves."""
        self.stop()
        self.env = dict(env)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.server = Server(
            self.name,
            self.recipe.command(self.port),
            env=process_env,
            cwd=self.folder,
            log_path=log,
        )
        ready = self.loopback_url + self.recipe.ready_path(self.env)
        self.server.wait_until_ready(ready, timeout=60, ok_only=True)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=20)
            self.server = None


def runnable(services: Mapping[str, dict]) -> dict[str, Recipe]:
    """name -> recipe of the compose services whose image the stack knows how to run."""
    return {
        name: RECIPES[spec["image"]]
        for name, spec in services.items()
        if spec.get("image") in RECIPES
    }


def mapped_environment(service: dict, lms_url: str) -> dict[str, str]:
    """A compose service's environment, the LMS's internal URL mapped to the stand-in's."""
    return {
        key: str(value).replace(LMS_INTERNAL_URL, lms_url)
        for key, value in (service.get("environment") or {}).items()
    }
