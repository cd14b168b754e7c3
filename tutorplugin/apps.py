"""Declared apps: web applications the plugin runs, routes and signs in through the LMS.

An app is declared by the operator (the LMSAUTH_APPS map) or by another Tutor plugin (the
`tutorplugin.hooks.APPS` filter); the bundled app is the first of them, declared by this plugin
from its own LMSAUTH_* settings. For each app the plugin registers an OAuth client in the LMS,
routes a host or a path to it through Caddy, tells the LMS its redirect host and front-channel
logout URL, and (for every app but the bundled one, whose image and environment are its own)
runs its image with the values it asked for, under the variable names it reads.
"""

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tutor import env as tutor_env
from tutor import exceptions, utils
from tutor.types import Config

from . import client_secrets, hooks, validation
from .config import (
    APPS,
    DEV_PORT,
    DEV_URL,
    DOCKER_IMAGE,
    PATH_PREFIX,
    PUBLIC_URL,
    ROUTING,
    SCOPES,
    SKIP_AUTHORIZATION,
)

BUNDLED = "lmsauth"
# What a declaration may hold; see README ("Your own apps").
SPEC_KEYS = {
    "image",
    "port",
    "host",
    "path",
    "strip_prefix",
    "callback_path",
    "frontchannel_logout_path",
    "health_path",
    "env",
    "scopes",
    "skip_authorization",
    "dev_port",
}
LMS_INTERNAL_URL = "http://lms:8000"
DEFAULT_SCOPES = ["user_id", "profile", "email"]


@dataclass(frozen=True)
class App:
    """One app, its declaration checked and its URLs worked out for the config at hand."""

    name: str
    image: str
    port: int
    host: str  # "" when the app is served under a path of the LMS host
    path: str  # "" when the app has a host of its own
    strip_prefix: bool
    callback_path: str
    frontchannel_logout_path: str
    env: dict[str, str]
    scopes: list[str]
    skip_authorization: bool
    dev_port: int | None
    public_url: str
    dev_url: str
    # Below its URL: Caddy sends it requests only once this answers 2xx.
    health_path: str = ""
    bundled: bool = False
    lms_url: str = field(default="", repr=False)

    @property
    def client_name(self) -> str:
        """The name of its application in the LMS."""
        return f"{self.name}-sso"

    @property
    def public_path(self) -> str:
        """The path the app is served under, ending with "/" ("/" on a host of its own)."""
        return (self.path or "") + "/"

    @property
    def health_uri(self) -> str:
        """What Caddy's health check asks the app for (its prefix kept unless stripped)."""
        if not self.health_path:
            return ""
        return ("" if self.strip_prefix else self.path) + self.health_path

    def redirect_uris(self) -> list[str]:
        """Production (through Caddy) first, then `tutor dev`'s published port."""
        uris = [self.public_url + self.callback_path]
        if self.dev_url:
            uris.append(self.dev_url + self.callback_path)
        return uris

    def logout_urls(self, mode: str) -> list[str]:
        """The front-channel logout URL the LMS loads in an iframe, in production or dev."""
        if not self.frontchannel_logout_path:
            return []
        base = self.dev_url if mode == "development" else self.public_url
        return [base + self.frontchannel_logout_path] if base else []

    def netlocs(self) -> list[str]:
        """host[:port] of its URLs: where the LMS may send a user back after signing out."""
        return [urlsplit(url).netloc for url in (self.public_url, self.dev_url) if url]


def _fail(where: str, problem: str) -> exceptions.TutorError:
    return exceptions.TutorError(f"{where}: {problem}")


def _port(spec: dict, key: str, where: str, default: int | None, low: int) -> int | None:
    value = spec.get(key, default)
    return None if value is None else validation.port(f"{where}.{key}", value, low)


def _bool(spec: dict, key: str, where: str, default: bool) -> bool:
    return validation.boolean(f"{where}.{key}", spec.get(key, default))


def _scheme(config: Config) -> str:
    return "https" if config["ENABLE_HTTPS"] else "http"


def declared(name: str, spec: Any, config: Config) -> App:
    """The app `name` as declared by `spec`, checked, with its URLs for `config`."""
    where = f"LMSAUTH_APPS[{name!r}]"
    if not isinstance(spec, dict):
        raise _fail(where, f"must be a map of settings, not {spec!r}.")
    unknown = sorted(set(spec) - SPEC_KEYS)
    if unknown:
        raise _fail(
            where,
            f"unknown settings {', '.join(unknown)}; known ones: {', '.join(sorted(SPEC_KEYS))}.",
        )
    validation.client_name(f"{where} name", name)
    for key in ("image", "callback_path"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise _fail(where, f"{key} is required (a string).")
    validation.docker_image(f"{where}.image", spec["image"])
    validation.url_path(f"{where}.callback_path", spec["callback_path"])
    for key in ("frontchannel_logout_path", "health_path"):
        if spec.get(key):
            validation.url_path(f"{where}.{key}", spec[key])
    host, path = spec.get("host") or "", spec.get("path") or ""
    if host and path:
        raise _fail(where, "give either host (a host of its own) or path (under the LMS host).")
    lms_host = str(config["LMS_HOST"])
    if path:
        validation.path_prefix(f"{where}.path", path)
    else:
        # Like Tutor's own services (apps.LMS_HOST, mfe.LMS_HOST): a subdomain of the LMS by
        # default, so the operator's config.yml need not refer to LMS_HOST.
        host = validation.host(f"{where}.host", host or f"{name}.{lms_host}")
    env = spec.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise _fail(where, f"env must map variable names to values the plugin knows, not {env!r}.")
    for variable in env:
        validation.env_name(f"{where}.env", variable)
    unknown_values = sorted(set(env.values()) - set(CATALOG))
    if unknown_values:
        raise _fail(
            where,
            f"env asks for {', '.join(unknown_values)}, which the plugin does not know; it knows "
            f"{', '.join(sorted(CATALOG))}.",
        )
    dev_port = _port(spec, "dev_port", where, None, 1024)
    public_url = f"{_scheme(config)}://{host or lms_host + path}"
    dev_url = f"http://{host or lms_host}:{dev_port}{path}" if dev_port else ""
    return App(
        name=name,
        image=spec["image"],
        port=_port(spec, "port", where, 8000, 1) or 8000,
        host=host,
        path=path,
        strip_prefix=_bool(spec, "strip_prefix", where, False),
        callback_path=spec["callback_path"],
        frontchannel_logout_path=str(spec.get("frontchannel_logout_path") or ""),
        health_path=str(spec.get("health_path") or ""),
        env=dict(env),
        scopes=validation.scopes(f"{where}.scopes", spec.get("scopes", DEFAULT_SCOPES)),
        skip_authorization=_bool(spec, "skip_authorization", where, True),
        dev_port=dev_port,
        public_url=public_url,
        dev_url=dev_url,
        lms_url=f"{_scheme(config)}://{lms_host}",
    )


def bundled_app(config: Config) -> App:
    """The bundled app, declared from the plugin's own settings (its URLs may be overridden)."""
    path_mode = config[ROUTING] == "path"
    return App(
        name=BUNDLED,
        image=str(config[DOCKER_IMAGE]),
        port=8000,
        host="" if path_mode else str(config["LMSAUTH_HOST"]),
        path=str(config[PATH_PREFIX]) if path_mode else "",
        # The app puts the prefix back into its URLs itself (Django's FORCE_SCRIPT_NAME).
        strip_prefix=True,
        callback_path="/auth/callback/",
        frontchannel_logout_path="/auth/logout/lms/",
        # Its environment is its own template (templates/lmsauth/apps/lmsauth.env).
        env={},
        scopes=validation.words(SCOPES, config[SCOPES]),
        skip_authorization=bool(config[SKIP_AUTHORIZATION]),
        dev_port=int(config[DEV_PORT]),
        public_url=str(config[PUBLIC_URL]).rstrip("/"),
        dev_url=str(config[DEV_URL]).rstrip("/"),
        bundled=True,
        lms_url=f"{_scheme(config)}://{config['LMS_HOST']}",
    )


def declarations(config: Config) -> dict[str, Any]:
    """name -> declaration: other plugins' (the APPS filter, rendered with the config like any
    setting), then the operator's LMSAUTH_APPS, which wins on a name both declare."""
    from_plugins = {
        name: tutor_env.render_unknown(config, spec) for name, spec in hooks.APPS.apply([], config)
    }
    operator = config.get(APPS) or {}
    if not isinstance(operator, dict):
        raise exceptions.TutorError(
            f"{APPS} must be a map of app name to settings, e.g. "
            '{"notebooks": {"image": "...", "host": "notebooks.example.com", ...}}.'
        )
    return {**from_plugins, **operator}


def _checked_declarations(config: Config) -> dict[str, Any]:
    specs = declarations(config)
    if BUNDLED in specs:
        raise exceptions.TutorError(
            f"LMSAUTH_APPS[{BUNDLED!r}]: {BUNDLED!r} is the bundled app's name; rename yours."
        )
    return specs


def _every_app(config: Config) -> list[App]:
    specs = _checked_declarations(config)
    return [bundled_app(config)] + [declared(name, specs[name], config) for name in sorted(specs)]


def all_apps(config: Config) -> list[App]:
    """Every app: the bundled one first, then the declared ones by name."""
    every = _every_app(config)
    found = clashes(config, every)
    if found:
        raise exceptions.TutorError(found[0])
    return every


def _described(app: App) -> str:
    return "the bundled app" if app.bundled else f"LMSAUTH_APPS[{app.name!r}]"


def clashes(config: Config, every: list[App]) -> list[str]:
    """Where two apps, or an app and Tutor's own sites, would take the same requests: the same
    host, path prefixes of which one contains the other (Caddy matches paths without regard to
    case), or the same port under `tutor dev`."""
    found = []
    tutor_hosts = {
        str(config[key]).lower(): key for key in ("LMS_HOST", "CMS_HOST") if key in config
    }
    for app in every:
        if app.host.lower() in tutor_hosts:
            found.append(
                f"{_described(app)}: host {app.host} is {tutor_hosts[app.host.lower()]}; "
                "give the app a host of its own, or a path."
            )
    for number, app in enumerate(every):
        for other in every[number + 1 :]:
            shared = _shared_route(app, other)
            if shared:
                found.append(
                    f"{_described(app)} and {_described(other)} would both take {shared}; "
                    "give each its own host, path and dev_port."
                )
    return found


def _shared_route(app: App, other: App) -> str:
    if app.host and app.host.lower() == other.host.lower():
        return f"the host {app.host}"
    if app.path and other.path:
        one, two = (p.lower().split("/")[1:] for p in (app.path, other.path))
        if one[: len(two)] == two or two[: len(one)] == one:
            return f"the paths {app.path} and {other.path}"
    if app.dev_port and app.dev_port == other.dev_port:
        return f"the port {app.dev_port} under tutor dev"
    return ""


def problems(config: Config, together: bool = True) -> list[str]:
    """What is wrong with the declarations: each app's problem, so that all are shown at once;
    if there is none and `together` (the bundled app's settings are fine too), the routes two
    apps would share."""
    try:
        specs = _checked_declarations(config)
    except exceptions.TutorError as error:
        return [str(error)]
    found = validation.collect(
        lambda name=name: declared(name, specs[name], config) for name in sorted(specs)
    )
    if found or not together:
        return found
    return clashes(config, _every_app(config))


def declared_apps(config: Config) -> list[App]:
    """The apps the plugin runs from an image and environment of the declaration's."""
    return [app for app in all_apps(config) if not app.bundled]


def app_secret(config: Config, app: App) -> str:
    """A secret of the app's own (64 hex digits), stable across saves: for its sessions."""
    master = str(config[client_secrets.EXTRA_CLIENTS_MASTER_KEY])
    return client_secrets.extra_client_secret(master, f"app:{app.name}")


def jwk_set(config: Config) -> str:
    """The LMS's public JWT key set, as Tutor core renders JWT_PUBLIC_SIGNING_JWK_SET (and with
    the same functions as its template filters)."""
    key = utils.rsa_import_key(str(config["JWT_RSA_PRIVATE_KEY"]))
    e, n = utils.long_to_base64(key.e), utils.long_to_base64(key.n)
    return json.dumps({"keys": [{"kid": "openedx", "kty": "RSA", "e": e, "n": n}]})


# The values an app may ask for in `env`, by name: (config, app, credentials, mode) -> value,
# where credentials is (client_id, client_secret) and mode "production" or "development".
def _lms(config: Config, mode: str) -> str:
    return f"http://{config['LMS_HOST']}:8000" if mode == "development" else _public_lms(config)


def _public_lms(config: Config) -> str:
    return f"{_scheme(config)}://{config['LMS_HOST']}"


def _own_url(app: App, mode: str) -> str:
    return app.dev_url if mode == "development" and app.dev_url else app.public_url


CATALOG: dict[str, Any] = {
    "client_id": lambda config, app, creds, mode: creds[0],
    "client_secret": lambda config, app, creds, mode: creds[1],
    "redirect_uri": lambda config, app, creds, mode: _own_url(app, mode) + app.callback_path,
    "public_url": lambda config, app, creds, mode: _own_url(app, mode),
    "public_path": lambda config, app, creds, mode: app.public_path,
    "app_secret": lambda config, app, creds, mode: app_secret(config, app),
    "scopes": lambda config, app, creds, mode: " ".join(app.scopes),
    "lms_url": lambda config, app, creds, mode: _lms(config, mode),
    "lms_internal_url": lambda config, app, creds, mode: LMS_INTERNAL_URL,
    "lms_authorize_url": lambda config, app, creds, mode: _lms(config, mode) + "/oauth2/authorize/",
    "lms_token_url": lambda config, app, creds, mode: LMS_INTERNAL_URL + "/oauth2/access_token",
    "lms_revoke_url": lambda config, app, creds, mode: LMS_INTERNAL_URL + "/oauth2/revoke_token/",
    "lms_me_url": lambda config, app, creds, mode: LMS_INTERNAL_URL + "/api/user/v1/me",
    "lms_accounts_url": lambda config, app, creds, mode: (
        LMS_INTERNAL_URL + "/api/user/v1/accounts/"
    ),
    "lms_logout_url": lambda config, app, creds, mode: (
        f"{_lms(config, mode)}/logout?client_id={creds[0]}&redirect_url={_own_url(app, mode)}/"
    ),
    "jwt_public_keys": lambda config, app, creds, mode: jwk_set(config),
    "jwt_issuer": lambda config, app, creds, mode: str(config["JWT_COMMON_ISSUER"]),
    "jwt_audience": lambda config, app, creds, mode: str(config["JWT_COMMON_AUDIENCE"]),
}


def environment(
    config: Config, app: App, credentials: tuple[str, str], mode: str = "production"
) -> dict[str, str]:
    """The app's variables, under the names its declaration gave them."""
    return {
        variable: CATALOG[value](config, app, credentials, mode)
        for variable, value in app.env.items()
    }
