"""Settings that would break the LMS, Caddy, the app or an OAuth client are refused by
`tutor config save` (and before any other command), each with its fix, leaving config.yml as it
was; odd values that are valid render files that Compose, Caddy, Python and Kubernetes accept.

The cases run in batches (see tests/plugin/refusals.py): each case's test checks its own line.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from devstack.provisioning import rendered_clients
from devstack.tutor_project import enabled_project
from tests.plugin.caddy_routes import route
from tests.plugin.refusals import (
    Saved,
    kubernetes_errors,
    rendering_errors,
    save,
    save_each,
    side_by_side,
)

EXTRA = "LMSAUTH_EXTRA_CLIENTS"
CALLBACK = "https://app.example.org/oauth/complete/"


@dataclass(frozen=True)
class Case:
    name: str
    settings: dict[str, Any]
    # The setting the problem is about (its message starts with it), and what the message says.
    setting: str
    says: str
    clients: dict[str, Any] = field(default_factory=dict)


def client(name: str, says: str, **settings: Any) -> Case:
    """A case about the extra client `name`, declared with `settings` (and a redirect URI)."""
    declared = {"redirect_uris": [CALLBACK], **settings}
    return Case(name, {}, f"{EXTRA}[{name!r}]", says, {name: declared})


HOST_RULE = "is not a host name"
URL_RULE = "must be an http:// or https:// URL"
PREFIX_RULE = "must start with '/' and not end with one"
TAKEOVER = "would take over the LMS's own"
REDIRECT_RULE = "is not a redirect URI the LMS can match exactly"

CASES = [
    # A quote would end a string of the LMS's settings file, and the LMS would not start.
    Case("quote-in-host", {"LMSAUTH_HOST": 'lms"auth.example.org'}, "LMSAUTH_HOST", HOST_RULE),
    Case(
        "quote-in-public-url",
        {"LMSAUTH_PUBLIC_URL": 'https://sso.example.org/a"b'},
        "LMSAUTH_PUBLIC_URL",
        URL_RULE,
    ),
    Case(
        "quote-in-prefix", {"LMSAUTH_PATH_PREFIX": '/lms"auth'}, "LMSAUTH_PATH_PREFIX", PREFIX_RULE
    ),
    # Caddy would stop, and every site with it.
    Case("brace-in-host", {"LMSAUTH_HOST": "lmsauth{.example.org"}, "LMSAUTH_HOST", HOST_RULE),
    Case("empty-host", {"LMSAUTH_HOST": ""}, "LMSAUTH_HOST", HOST_RULE),
    Case(
        "tab-in-prefix", {"LMSAUTH_PATH_PREFIX": "/lms\tauth"}, "LMSAUTH_PATH_PREFIX", PREFIX_RULE
    ),
    # The LMS's own routes, and those Tutor's Caddyfile handles on the LMS host.
    *[
        Case(f"prefix-{prefix}", {"LMSAUTH_PATH_PREFIX": prefix}, "LMSAUTH_PATH_PREFIX", TAKEOVER)
        for prefix in ("/oauth2", "/api", "/admin", "/Login/lmsauth", "/favicon.ico")
    ],
    # The app would crash-loop.
    Case(
        "url-without-scheme",
        {"LMSAUTH_PUBLIC_URL": "lmsauth.example.org"},
        "LMSAUTH_PUBLIC_URL",
        URL_RULE,
    ),
    Case(
        "scopes-without-user-id",
        {"LMSAUTH_SCOPES": ["profile", "email"]},
        "LMSAUTH_SCOPES",
        "must include user_id",
    ),
    Case("log-level-typo", {"LMSAUTH_LOG_LEVEL": "INFOO"}, "LMSAUTH_LOG_LEVEL", "not a log level"),
    Case(
        "app-rate-typo",
        {"LMSAUTH_APP_TOKEN_RATE": "1200/min"},
        "LMSAUTH_APP_TOKEN_RATE",
        "not a rate",
    ),
    Case(
        "short-secret-key",
        {"LMSAUTH_SECRET_KEY": "k" * 31},
        "LMSAUTH_SECRET_KEY",
        "has 31 characters; it needs between 32 and 128",
    ),
    # Redirect URIs the LMS would register but that no sign-in should use.
    client("fragment", REDIRECT_RULE, redirect_uris=["https://app.example.org/cb/#top"]),
    client("script", REDIRECT_RULE, redirect_uris=["javascript:alert(document.cookie)"]),
    client(
        "spaced",
        REDIRECT_RULE,
        redirect_uris=["https://app.example.org/cb/ https://evil.example.net/cb/"],
    ),
    Case(
        "plain-http-under-https",
        {"ENABLE_HTTPS": True},
        f"{EXTRA}['plain']",
        "is plain http on a site served over HTTPS",
        {"plain": {"redirect_uris": ["http://app.example.org/cb/"]}},
    ),
    # Names, ids and the rest of what reaches a file.
    client("Reports", "is not a valid client name"),
    client('rep"orts', "is not a valid client name"),
    # A name that would close a `{% raw %}` block and have Jinja print the bundled app's secret.
    client("x{% endraw %}{{ LMSAUTH_CLIENT_SECRET }}{% raw %}", "is not a valid client name"),
    client("reports;id", "is not a valid client name"),
    client("ids", "is not a valid OAuth client id", client_id="reports/../admin"),
    client("shell", "is not a valid OAuth client id", client_id='legacy"$v1'),
    client("quote", "is not a valid OAuth client id", client_id="it's-v1"),
    client("owner", "must be lmsauth or start with lmsauth-", username="cms"),
    client("consent", "must be true or false", skip_authorization="no"),
    Case(
        "spaced-client-id", {"LMSAUTH_CLIENT_ID": "lmsauth sso"}, "LMSAUTH_CLIENT_ID", "client id"
    ),
    Case("ftp-dev-url", {"LMSAUTH_DEV_URL": "ftp://sso.example.org"}, "LMSAUTH_DEV_URL", URL_RULE),
    Case("low-dev-port", {"LMSAUTH_DEV_PORT": 80}, "LMSAUTH_DEV_PORT", "between 1024 and 65535"),
    Case(
        "image-with-space",
        {"LMSAUTH_DOCKER_IMAGE": "registry.example.org/My App:1.0"},
        "LMSAUTH_DOCKER_IMAGE",
        "is not a Docker image name",
    ),
    Case(
        "hyphen-in-database",
        {"LMSAUTH_MYSQL_DATABASE": "lms-auth"},
        "LMSAUTH_MYSQL_DATABASE",
        "is not a MySQL name",
    ),
    Case(
        "quote-in-mysql-user",
        {"LMSAUTH_MYSQL_USERNAME": "lms'auth"},
        "LMSAUTH_MYSQL_USERNAME",
        "is not a MySQL name",
    ),
    Case("text-replicas", {"LMSAUTH_REPLICAS": "3"}, "LMSAUTH_REPLICAS", "must be a whole number"),
    Case(
        "text-boolean",
        {"LMSAUTH_SKIP_AUTHORIZATION": "false"},
        "LMSAUTH_SKIP_AUTHORIZATION",
        "must be true or false",
    ),
    Case("lms-host", {"LMS_HOST": "courses example org"}, "LMS_HOST", HOST_RULE),
]


def batches(cases: list[Case]) -> list[list[Case]]:
    """Cases packed into as few `config save` commands as their settings allow: no setting twice
    in a batch, and no extra client twice."""
    packed: list[list[Case]] = []
    for case in cases:
        for batch in packed:
            taken = {key for other in batch for key in other.settings}
            names = {name for other in batch for name in other.clients}
            if not (taken & set(case.settings) or names & set(case.clients)):
                batch.append(case)
                break
        else:
            packed.append([case])
    return packed


def settings_of(batch: list[Case]) -> dict[str, Any]:
    settings = {key: value for case in batch for key, value in case.settings.items()}
    clients = {name: value for case in batch for name, value in case.clients.items()}
    return {**settings, **({EXTRA: clients} if clients else {})}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A project with the plugin enabled and its secrets generated."""
    project = enabled_project(tmp_path_factory.mktemp("tutor-root"))
    project.save()
    return project


@pytest.fixture(scope="module")
def outcomes(base, tmp_path_factory) -> dict[str, Saved]:
    packed = batches(CASES)
    folder = tmp_path_factory.mktemp("batches")
    saved = save_each(base, folder, [settings_of(batch) for batch in packed])
    return {
        case.name: outcome
        for batch, (_, outcome) in zip(packed, saved, strict=True)
        for case in batch
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_setting_that_would_break_the_site_is_refused_with_its_fix(outcomes, case):
    outcome = outcomes[case.name]
    assert outcome.returncode != 0
    assert case.says in outcome.problem(case.setting)
    assert "Nothing was saved: config.yml is as it was." in outcome.output
    assert outcome.config_unchanged


# The odd secrets of the issue (padded past the length rule): Compose reads each differently
# from the LMS (`${HOME}` expanded, quotes dropped, ` #...` cut, trailing spaces trimmed).
ODD_SECRETS = {
    "variable": "secret-${HOME}-" + "s" * 32,
    "double-quotes": '"' + "s" * 40 + '"',
    "single-quotes": "'" + "s" * 40 + "'",
    "comment": "s" * 40 + " #comment",
    "trailing-spaces": "s" * 40 + "   ",
}
SECRET_SETTINGS = [
    "LMSAUTH_CLIENT_SECRET",
    "LMSAUTH_PREVIOUS_CLIENT_SECRET",
    "LMSAUTH_SECRET_KEY",
    "LMSAUTH_MYSQL_PASSWORD",
]


@pytest.fixture(scope="module")
def odd_secrets(base, tmp_path_factory) -> dict[str, Saved]:
    groups = [
        {
            **{setting: secret for setting in SECRET_SETTINGS},
            EXTRA: {"reports": {"redirect_uris": [CALLBACK], "client_secret": secret}},
        }
        for secret in ODD_SECRETS.values()
    ]
    saved = save_each(base, tmp_path_factory.mktemp("secrets"), groups)
    return dict(zip(ODD_SECRETS, (outcome for _, outcome in saved), strict=True))


@pytest.mark.parametrize("odd", sorted(ODD_SECRETS))
def test_a_secret_compose_would_read_differently_is_refused_and_never_shown(odd_secrets, odd):
    outcome = odd_secrets[odd]
    assert outcome.returncode != 0 and outcome.config_unchanged
    for setting in [*SECRET_SETTINGS, f"{EXTRA}['reports'].client_secret"]:
        assert "may only contain letters, digits and the characters . _ ~ -" in (
            outcome.problem(f"{setting} (not shown)")
        )
    assert ODD_SECRETS[odd] not in outcome.output
    assert ODD_SECRETS[odd].strip(" \"'") not in outcome.output


def test_a_bad_value_already_in_config_yml_stops_every_command(base, tmp_path):
    """A value an older version accepted (or a hand edit) is refused at `do` too, before any
    job starts, with the same message."""
    project = base.copy(tmp_path / "root")
    config = project.config()
    config["LMSAUTH_CLIENT_SECRET"] = ODD_SECRETS["variable"]
    config["LMSAUTH_HOST"] = "lmsauth{.example.org"
    project.config_file.write_text(yaml.safe_dump(config), encoding="utf-8")

    outcome = project.run("local", "do", "lmsauth-sync")

    assert outcome.returncode != 0
    assert "LMSAUTH_HOST='lmsauth{.example.org' is not a host name" in outcome.output
    assert "LMSAUTH_CLIENT_SECRET (not shown) may only contain" in outcome.output
    assert "tutor config save --unset LMSAUTH_CLIENT_SECRET" in outcome.output
    assert ODD_SECRETS["variable"] not in outcome.output
    assert project.calls() == []


def test_a_secret_rendered_into_another_setting_is_masked(base, tmp_path):
    # Tutor renders config values as templates: a refused value may hold a secret.
    project = base.copy(tmp_path / "root")
    outcome = save(project, {"LMSAUTH_HOST": "{{ LMSAUTH_SECRET_KEY }}.example.org"})
    assert outcome.problem("LMSAUTH_HOST").startswith(
        "LMSAUTH_HOST='(a secret).example.org' is not a host name"
    )
    assert project.config()["LMSAUTH_SECRET_KEY"] not in outcome.output


# Valid values that an alphabet too strict, or a renderer that does not escape, would break.
ODD_BUT_VALID = {
    "LMS_HOST": "Courses-1.Example.org",
    "LMSAUTH_HOST": "sso-2.example.org",
    "LMSAUTH_DEV_URL": "http://sso-2.example.org:18790/",
    "LMSAUTH_CLIENT_ID": "Lms.Auth_SSO~1-x",
    "LMSAUTH_CLIENT_SECRET": "Operator.chosen_secret~with-every-allowed-character-0123456789",
    # Tutor renders a template given with --set: its own generated values pass.
    "LMSAUTH_SECRET_KEY": "{{ 64|random_string }}",
    "LMSAUTH_SCOPES": "user_id  profile\temail grades:read",
    "LMSAUTH_LOG_LEVEL": "debug",
    "LMSAUTH_DOCKER_IMAGE": "registry.example.org:5000/team/lms-auth_app:1.0-rc.1@sha256:"
    + "0123456789abcdef" * 4,
    "LMSAUTH_DATABASE": "mysql",
    "LMSAUTH_MYSQL_DATABASE": "lms_auth_2",
    "LMSAUTH_MYSQL_USERNAME": "_lmsauth",
    "LMSAUTH_REPLICAS": 2,
    EXTRA: {
        "reports": {
            # Free-form in a query, escaped in the LMS settings.
            "redirect_uris": ["https://app.example.org/cb?next=%2F&x=$'()*+,;=:@~"],
            "username": "lmsauth-reports",
            "client_secret": "Explicit~secret.for-reports_0123456789",
        }
    },
}
# Path mode, under a nested prefix.
ODD_PATH = {
    **ODD_BUT_VALID,
    "LMSAUTH_ROUTING": "path",
    "LMSAUTH_PATH_PREFIX": "/learn/sso~v1.0_x-y",
}


@pytest.fixture(scope="module")
def odd_projects(base, tmp_path_factory):
    saved = save_each(base, tmp_path_factory.mktemp("odd"), [ODD_BUT_VALID, ODD_PATH])
    for _, outcome in saved:
        assert outcome.returncode == 0, outcome.output[-3000:]
    return [project for project, _ in saved]


def test_odd_but_valid_values_render_files_every_tool_accepts(odd_projects):
    assert side_by_side(rendering_errors, odd_projects) == [[], []]
    assert kubernetes_errors(odd_projects) == ""


def test_odd_but_valid_values_reach_the_app_and_the_lms_intact(odd_projects):
    subdomain, path = odd_projects
    config = subdomain.config()
    env = subdomain.compose("local")["services"]["lmsauth"]["environment"]
    for name in ("CLIENT_ID", "CLIENT_SECRET", "SECRET_KEY", "LOG_LEVEL"):
        assert env[f"LMSAUTH_{name}"] == config[f"LMSAUTH_{name}"]
    assert len(config["LMSAUTH_SECRET_KEY"]) == 64
    (reports,) = [c for c in rendered_clients(subdomain.lms_settings()) if c["name"] == "reports"]
    assert reports["redirect_uris"] == ODD_BUT_VALID[EXTRA]["reports"]["redirect_uris"]
    assert reports["username"] == "lmsauth-reports"
    assert route(subdomain.caddy_json(), "sso-2.example.org", "/").upstream == "lmsauth:8000"
    outcome = route(path.caddy_json(), "courses-1.example.org", "/learn/sso~v1.0_x-y/profile/")
    assert (outcome.upstream, outcome.path) == ("lmsauth:8000", "/profile/")
