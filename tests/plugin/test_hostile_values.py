"""Every string setting, with each hostile character slipped into an otherwise valid value:
`tutor config save` either refuses it (naming the setting, config.yml as it was), or renders
files that Compose (local and dev), Caddy, Python and Kubernetes still accept.

One save per hostile value tries every setting at once (see tests/plugin/refusals.py); what is
accepted is rendered again on its own and checked.
"""

from typing import Any

import pytest

from devstack.provisioning import rendered_clients
from devstack.tutor_project import enabled_project
from tests.plugin.refusals import kubernetes_errors, rendering_errors, save_each, side_by_side

HOSTILE = {
    "double-quote": '"',
    "single-quote": "'",
    "dollar": "$",
    "variable": "${HOME}",
    "open-brace": "{",
    "close-brace": "}",
    "percent": "%",
    "hash": "#",
    "comment": " #",
    "backslash": "\\",
    "newline": "\n",
    "tab": "\t",
    "space": " ",
    "nul": "\0",
    "non-ascii": "é",
    "very-long": "x" * 300,
}

SECRET = "s" * 20
# Each setting as text before and after the hostile part, which alone makes the value odd.
SETTINGS = {
    "LMS_HOST": ("courses", ".example.org"),
    "LMSAUTH_HOST": ("lms", "auth.example.org"),
    "LMSAUTH_ROUTING": ("sub", "domain"),
    "LMSAUTH_PATH_PREFIX": ("/lms", "auth"),
    "LMSAUTH_PUBLIC_URL": ("https://sso.example.org/a", "b"),
    "LMSAUTH_DEV_URL": ("http://sso.example.org:8790/a", "b"),
    "LMSAUTH_DOCKER_IMAGE": ("registry.example.org/lms", "auth:1.0"),
    "LMSAUTH_CLIENT_ID": ("lmsauth", "sso"),
    "LMSAUTH_CLIENT_SECRET": (SECRET, SECRET),
    "LMSAUTH_PREVIOUS_CLIENT_SECRET": (SECRET, SECRET),
    "LMSAUTH_SECRET_KEY": (SECRET, SECRET),
    "LMSAUTH_MYSQL_PASSWORD": (SECRET, SECRET),
    "LMSAUTH_EXTRA_CLIENTS_MASTER_KEY": (SECRET, SECRET),
    "LMSAUTH_SCOPES": ("user_id pro", "file email"),
    "LMSAUTH_LOG_LEVEL": ("IN", "FO"),
    "LMSAUTH_DATABASE": ("sq", "lite"),
    "LMSAUTH_MYSQL_DATABASE": ("lms", "auth"),
    "LMSAUTH_MYSQL_USERNAME": ("lms", "auth"),
}
# Tutor's settings that lmsauth's MySQL job uses, in MySQL mode.
MYSQL_SETTINGS = {
    "MYSQL_HOST": ("my", "sql"),
    "MYSQL_ROOT_USERNAME": ("ro", "ot"),
    "MYSQL_ROOT_PASSWORD": (SECRET, SECRET),
}
# Each field of an extra client, in a client of its own (named after the field).
CALLBACK = "https://app.example.org/cb/"
CLIENT_FIELDS = {
    "client_id": ("reports", "id"),
    "client_secret": (SECRET, SECRET),
    "redirect_uris": ("https://app.example.org/c", "b/"),
    "query": ("https://app.example.org/cb/?next=", "x"),
    "scopes": ("user_id em", "ail"),
    "username": ("lmsauth-", "x"),
    "grant_type": ("authorization-", "code"),
    "client_type": ("confid", "ential"),
}
EXTRA = "LMSAUTH_EXTRA_CLIENTS"
NAME_SLOT = ("rep", "orts")
# Each field of a declared app, in an app of its own (named after the field); "env" tries a
# variable name.
APP = {"image": "registry.example.org/notebooks:1", "callback_path": "/cb/"}
APP_FIELDS = {
    "image": ("registry.example.org/note", "books:1"),
    "host": ("note", "books.example.org"),
    "path": ("/note", "books"),
    "callback_path": ("/hub/oauth", "_callback"),
    "frontchannel_logout_path": ("/hub/log", "out"),
    "env": ("OAUTH_", "ID"),
    "scopes": ("user_id pro", "file"),
}
APPS = "LMSAUTH_APPS"
APP_NAME_SLOT = ("note", "books")
# The settings that are maps of names to entries.
MAPS = (EXTRA, APPS)


def client(field: str, value: str) -> tuple[str, dict[str, Any]]:
    """(name, settings) of the extra client trying `value` as its `field`."""
    name = field.replace("_", "-")
    if field in ("redirect_uris", "query"):
        return name, {"redirect_uris": [value]}
    return name, {"redirect_uris": [CALLBACK], field: value}


def app(field: str, value: str) -> tuple[str, dict[str, Any]]:
    """(name, declaration) of the app trying `value` as its `field`, on a host of its own (the
    default one would be made of LMS_HOST, tried in the same save)."""
    name = field.replace("_", "-")
    declaration = {**APP, "host": f"{name}.example.org"}
    if field == "env":
        return name, {**declaration, "env": {value: "client_id"}}
    if field == "path":
        return name, {**declaration, "host": None, "path": value}
    return name, {**declaration, field: value}


def tried(hostile: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two saves trying `hostile`: every setting and extra client; then, in MySQL mode,
    Tutor's MySQL settings."""
    odd = {key: before + hostile + after for key, (before, after) in SETTINGS.items()}
    clients = dict(client(field, b + hostile + a) for field, (b, a) in CLIENT_FIELDS.items())
    clients[NAME_SLOT[0] + hostile + NAME_SLOT[1]] = {"redirect_uris": [CALLBACK]}
    apps = dict(app(field, b + hostile + a) for field, (b, a) in APP_FIELDS.items())
    apps[APP_NAME_SLOT[0] + hostile + APP_NAME_SLOT[1]] = {**APP, "host": "nb.example.org"}
    mysql = {key: before + hostile + after for key, (before, after) in MYSQL_SETTINGS.items()}
    return {**odd, EXTRA: clients, APPS: apps}, {**mysql, "LMSAUTH_DATABASE": "mysql"}


def values_tried(settings: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(what the value's problem would start with, the value, the settings that try it alone)
    for each value `settings` tries."""
    found = []
    for key, value in settings.items():
        if key == EXTRA:
            for name, declared in value.items():
                field = name.replace("-", "_")
                if name.startswith(NAME_SLOT[0]):
                    odd = name
                elif field in ("redirect_uris", "query"):
                    odd = declared["redirect_uris"][0]
                else:
                    odd = declared[field]
                found.append((f"{EXTRA}[{name!r}]", odd, {EXTRA: {name: declared}}))
        elif key == APPS:
            for name, declared in value.items():
                field = name.replace("-", "_")
                if name.startswith(APP_NAME_SLOT[0]):
                    odd = name
                elif field == "env":
                    (odd,) = declared["env"]
                else:
                    odd = declared[field]
                found.append((f"{APPS}[{name!r}]", odd, {APPS: {name: declared}}))
        elif (key, value) != ("LMSAUTH_DATABASE", "mysql"):
            mysql = {"LMSAUTH_DATABASE": "mysql"} if key in MYSQL_SETTINGS else {}
            found.append((key, value, {key: value, **mysql}))
    return found


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> dict[str, list[tuple[str, str, str, dict[str, Any]]]]:
    """For each hostile value: (label, value, problem or "" if accepted, settings alone) of
    every value tried."""
    base = enabled_project(tmp_path_factory.mktemp("tutor-root"))
    base.save()
    groups = [group for hostile in HOSTILE.values() for group in tried(hostile)]
    saved = save_each(base, tmp_path_factory.mktemp("sweep"), groups)
    results: dict[str, list[tuple[str, str, str, dict[str, Any]]]] = {}
    for index, name in enumerate(HOSTILE):
        results[name] = []
        pairs = zip(
            groups[2 * index : 2 * index + 2], saved[2 * index : 2 * index + 2], strict=True
        )
        for group, (_, outcome) in pairs:
            # Refused with reasons and config.yml as it was, or accepted.
            assert bool(outcome.problems) == (outcome.returncode != 0), outcome.output[-3000:]
            assert outcome.config_unchanged or outcome.returncode == 0
            for label, value, alone in values_tried(group):
                problems = outcome.about(label)
                assert len(problems) <= 1, problems
                results[name].append((label, value, problems[0] if problems else "", alone))
    return results


SECRET_LABELS = ("SECRET", "SECRET_KEY", "PASSWORD", "MASTER_KEY", "'client-secret']")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_value_is_refused_by_name_or_accepted(sweep, name):
    tried_here = sweep[name]
    apps = len(APP_FIELDS) + 1
    assert len(tried_here) == len(SETTINGS) + len(MYSQL_SETTINGS) + len(CLIENT_FIELDS) + 1 + apps
    for label, value, problem, _ in tried_here:
        if not problem:
            continue
        if "(not shown)" in problem:
            assert repr(value) not in problem and SECRET not in problem, (label, problem)
        else:
            # The message shows the value as it is, the hostile part included; never a secret.
            assert not label.endswith(SECRET_LABELS), (label, problem)
            assert repr(value) in problem, (label, problem)


@pytest.fixture(scope="module")
def accepted(sweep, tmp_path_factory) -> list[tuple[dict[str, Any], tuple[Any, Any]]]:
    """Every accepted hostile value, rendered: layered into as few projects as possible (one
    value per setting or client each)."""
    layers: list[dict[str, Any]] = []
    for tried_here in sweep.values():
        for _, _, problem, alone in tried_here:
            if problem:
                continue
            layer = next((lay for lay in layers if not _overlaps(lay, alone)), None)
            if layer is None:
                layer = {}
                layers.append(layer)
            _merge(layer, alone)
    for layer in layers:
        if "LMSAUTH_PATH_PREFIX" in layer:
            layer["LMSAUTH_ROUTING"] = "path"
    base = enabled_project(tmp_path_factory.mktemp("tutor-root"))
    base.save()
    saved = save_each(base, tmp_path_factory.mktemp("accepted"), layers)
    return list(zip(layers, saved, strict=True))


def _overlaps(layer: dict[str, Any], alone: dict[str, Any]) -> bool:
    keys = set(layer) & set(alone) - {*MAPS, "LMSAUTH_DATABASE"}
    names = any(set(layer.get(key, {})) & set(alone.get(key, {})) for key in MAPS)
    return bool(keys or names)


def _merge(layer: dict[str, Any], alone: dict[str, Any]) -> None:
    for key, value in alone.items():
        if key in MAPS:
            layer.setdefault(key, {}).update(value)
        else:
            layer[key] = value


def test_what_is_accepted_renders_files_every_tool_accepts(accepted):
    assert accepted, "no hostile value was accepted: the rendering checks would check nothing"
    for layer, (_, saved) in accepted:
        assert saved.returncode == 0, (layer, saved.output[-3000:])
    projects = [project for _, (project, _) in accepted]
    assert side_by_side(rendering_errors, projects) == [[]] * len(projects)
    assert kubernetes_errors(projects) == ""


def test_accepted_redirect_uris_reach_the_lms_as_they_are(accepted):
    for layer, (project, _) in accepted:
        wanted = {
            name: declared["redirect_uris"] for name, declared in layer.get(EXTRA, {}).items()
        }
        rendered = {c["name"]: c["redirect_uris"] for c in rendered_clients(project.lms_settings())}
        assert {name: rendered[name] for name in wanted} == wanted
