"""Rules for the values an operator chooses, one small validator per kind of value.

Every validator takes the setting's name, as the message should call it, and the value; it returns
the value as the plugin uses it, or raises TutorError naming the setting, the rule and the fix.
The alphabets are chosen so that a valid value needs no quoting in any file it may reach: a
Caddyfile, an env file (which Compose parses: `$`, quotes, ` #` and spaces change what the app
reads), a Kubernetes manifest, the LMS's Python settings, or a job script. Secrets are never
shown in a message, not even a refused one.
"""

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, NoReturn
from urllib.parse import SplitResult, urlsplit

from tutor import exceptions

# Secrets: URL-unreserved characters only, which no file format, URL or HTTP Basic header
# needs to quote.
SECRET_MIN_LENGTH = 32
# The LMS stores client secrets in a 255-character column; 128 leaves room for any proxy limit.
SECRET_MAX_LENGTH = 128
UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")
SECRET_RULE = "letters, digits and the characters . _ ~ - (no spaces, quotes, $ or #)"

# django-oauth-toolkit's client_id column holds 100 characters.
CLIENT_ID = re.compile(r"[A-Za-z0-9._~-]{1,100}")
CLIENT_ID_RULE = (
    "is not a valid OAuth client id: use 1 to 100 letters, digits and . _ ~ - (e.g. lmsauth-sso)."
)
# A client's name becomes the LMS application's name and an argument of `tutor lmsauth`
# commands; it is also fit for a Compose service or a Kubernetes object.
CLIENT_NAME = re.compile(r"[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?")
CLIENT_NAME_RULE = (
    "is not a valid client name: use lower-case letters, digits and hyphens, starting with a "
    "letter, at most 40 characters (e.g. reports)."
)
# The LMS's scopes: user_id, profile, email, grades:read, certificates:read...
SCOPE = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
HOST_MAX_LENGTH = 253
# One segment of a path prefix or of the app's public URL.
SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
# What RFC 3986 allows in a path or query (pct-encoded octets apart): unreserved characters,
# sub-delimiters, ":", "@", "/" and "?".
URI_TEXT = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*")
URI_MAX_LENGTH = 2000
# A Docker image reference: [registry[:port]/]path[:tag][@sha256:digest], 255 characters at
# most (the lookahead).
DOCKER_IMAGE = re.compile(
    r"(?=.{1,255}\Z)"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?::[0-9]{1,5})?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?"
)
DOCKER_IMAGE_RULE = (
    "is not a Docker image name: use [registry/]name[:tag], lower-case, e.g. "
    "registry.example.com/myapp:1.0."
)
# A variable name of an env file, a Compose service or a Kubernetes container.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
ENV_NAME_RULE = (
    "is not an environment variable name: use letters, digits and underscores, not starting "
    "with a digit (e.g. OAUTH_CLIENT_ID)."
)
# A rate as django-ratelimit reads it: a count per second, minute, hour or day, or per several.
RATE = re.compile(r"[1-9][0-9]{0,8}/[1-9]?[0-9]{0,3}[smhd]")
RATE_RULE = "is not a rate: use a number of requests per s, m, h or d, e.g. 1200/m."
# MySQL names, unquoted in SQL: a letter or "_" first, so that no name is all digits.
MYSQL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# An LMS username for a service user: 2 to 30 characters, as the LMS allows.
USERNAME = re.compile(r"[a-z0-9_-]{2,30}")
# What an env file, a shell script or a MySQL option file would read differently.
NOT_PLAIN = frozenset(" \"#$'\\`")
# Kubernetes counts replicas in an int32.
MAX_REPLICAS = 2**31 - 1

# Top-level paths the LMS serves on its host (openedx-platform's lms/urls.py, the URL modules it
# includes at its root and its plugin apps' URLs), and those Tutor's Caddyfile handles itself on
# that host: a path prefix among them would take the LMS's routes over. Caddy matches paths
# without regard to case.
LMS_PATHS_TEXT = """
    403 404 429 500 __debug__ _o about account accounts activate activate_secondary_email admin
    api api-admin api-docs assets auth author auto_auth blog bulk_email c4x calculate catalog
    catalog_transfer certificates change_enrollment competition config contact copyright
    course_modes course_run courses coverage_context create_account csrf dashboard debug detect
    discussions donate email_confirm embargo enterprise event faq favicon.ico financial-assistance
    financial-assistance_v2 heartbeat help help_token honor honor_code i18n
    instructor_task_status integrated_channels jobs lang_pref lms-api login login_ajax
    login_refresh logout lti_provider media media-kit notification_prefs notify oauth2
    openassessment password password_assistance password_reset password_reset_complete
    password_reset_confirm press privacy programs register reset_deadlines robots.txt rss_proxy
    search segmentio sitemap.xml static status support survey survey_report swagger swagger.json
    swagger.yaml template theming tos update_lang user_api verify_student videos wiki xblock
    xblocks xdomain_proxy.html xqueue zendesk_proxy
"""
LMS_PATHS = frozenset(LMS_PATHS_TEXT.split())


def visible_ascii(text: str) -> bool:
    """Whether `text` is made of printable ASCII characters other than the space (and not
    empty): what URL parsers would otherwise trim or drop without a word."""
    return bool(text) and all("!" <= character <= "~" for character in text)


def _split(value: Any) -> SplitResult | None:
    """The parts of a URL, or None for anything that is not a plain URL string."""
    if not isinstance(value, str) or not visible_ascii(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    # Only a lower-case scheme followed by "//" (urlsplit accepts more).
    return parts if value.startswith(parts.scheme + "://") else None


def refuse(setting: str, value: Any, problem: str) -> NoReturn:
    # The whole value: cut short, it could keep part of a secret that Tutor rendered into it
    # where the check that masks secrets no longer recognises it.
    raise exceptions.TutorError(f"{setting}={value!r} {problem}")


def collect(checks: Iterable[Callable[[], Any]]) -> list[str]:
    """Run every check; return the message of each one that refused, so that an operator sees
    every problem at once."""
    found = []
    for check in checks:
        try:
            check()
        except exceptions.TutorError as error:
            found.append(str(error))
    return found


def choice(setting: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        refuse(setting, value, f"is not supported: use one of {', '.join(choices)}.")
    return value


def boolean(setting: str, value: Any) -> bool:
    if not isinstance(value, bool):
        refuse(setting, value, "must be true or false (a YAML boolean, without quotes).")
    return value


def whole_number(setting: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        refuse(setting, value, f"must be a whole number of at least {low} and at most {high}.")
    return value


def port(setting: str, value: Any, low: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 65535:
        refuse(setting, value, f"must be a TCP port number between {low} and 65535.")
    return value


def _is_host(text: str) -> bool:
    name, colon, number = text.partition(":")
    if colon and not (number.isascii() and number.isdigit() and 0 < int(number) <= 65535):
        return False
    return len(name) <= HOST_MAX_LENGTH and all(LABEL.fullmatch(p) for p in name.split("."))


def host(setting: str, value: Any) -> str:
    """A DNS name or IPv4 address, with an optional :port."""
    if not isinstance(value, str) or not _is_host(value):
        refuse(
            setting,
            value,
            "is not a host name: use letters, digits and hyphens in dot-separated labels of "
            "at most 63 characters, and an optional :port (e.g. lmsauth.example.com).",
        )
    return value


def _segments(value: Any) -> list[str] | None:
    """The segments of a path "/one/two" (["one", "two"]), or None unless each is made of
    letters, digits and . _ ~ - (and is not "." or "..")."""
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    segments = value.split("/")[1:]
    fine = all(SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments)
    return segments if fine else None


def path_prefix(setting: str, value: Any) -> str:
    """A URL path under which the app is served on the LMS host: /one[/two...], no LMS route."""
    segments = _segments(value)
    if not segments:
        refuse(
            setting,
            value,
            "must start with '/' and not end with one, with letters, digits and . _ ~ - "
            "between the slashes (e.g. /lmsauth).",
        )
    if segments[0].lower() in LMS_PATHS:
        refuse(
            setting,
            value,
            f"would take over the LMS's own /{segments[0]}/ routes: choose a path the LMS "
            "does not serve (e.g. /lmsauth).",
        )
    return value


def url_path(setting: str, value: Any) -> str:
    """A path on an app's site (a callback, say): /one[/two...], with or without a final "/"."""
    without_final_slash = value.removesuffix("/") if isinstance(value, str) else None
    if value != "/" and _segments(without_final_slash) is None:
        refuse(
            setting,
            value,
            "must be a path starting with '/', with letters, digits and . _ ~ - between the "
            "slashes (e.g. /oauth/callback/).",
        )
    return value


def url(setting: str, value: Any) -> str:
    """An http(s) URL of a site: scheme, host, optional port and path; no query or fragment."""
    parts = _split(value)
    path = parts.path.rstrip("/") if parts else ""
    if not (
        parts
        and parts.scheme in ("http", "https")
        and _is_host(parts.netloc)
        and not (parts.query or parts.fragment or "?" in value or "#" in value)
        and all(SEGMENT.fullmatch(segment) for segment in path.split("/")[1:])
    ):
        refuse(
            setting,
            value,
            "must be an http:// or https:// URL with a host name, an optional port and path "
            "(letters, digits and . _ ~ - between the slashes), and no query or fragment "
            "(e.g. https://lmsauth.example.com).",
        )
    return value


def redirect_uri(setting: str, value: Any, https_only: bool) -> str:
    """An OAuth redirect URI as the LMS matches it: absolute, http(s), no fragment."""
    parts = _split(value)
    if not (
        parts
        and len(value) <= URI_MAX_LENGTH
        and parts.scheme in ("http", "https")
        and _is_host(parts.netloc)
        and "#" not in value
        and URI_TEXT.fullmatch(parts.path + ("?" + parts.query if parts.query else ""))
    ):
        refuse(
            setting,
            value,
            "is not a redirect URI the LMS can match exactly: use an absolute http:// or "
            "https:// URL with a host name and no fragment (#), in which spaces, quotes, braces "
            "and other characters that URLs do not allow are percent-encoded "
            "(e.g. https://app.example.com/oauth/complete/).",
        )
    if https_only and parts.scheme != "https":
        refuse(
            setting,
            value,
            "is plain http on a site served over HTTPS (ENABLE_HTTPS): the authorization code "
            "would travel unencrypted. Use https://.",
        )
    return value


def secret(setting: str, value: Any, fix: str = "") -> str:
    """A secret that every file, URL and header can carry as it is (never shown)."""
    where = f"{setting} (not shown)"
    fix = f" {fix}" if fix else ""
    if not isinstance(value, str):
        raise exceptions.TutorError(f"{where} must be text: quote it in YAML.{fix}")
    if not SECRET_MIN_LENGTH <= len(value) <= SECRET_MAX_LENGTH:
        raise exceptions.TutorError(
            f"{where} has {len(value)} characters; it needs between {SECRET_MIN_LENGTH} and "
            f"{SECRET_MAX_LENGTH}.{fix}"
        )
    if not UNRESERVED.fullmatch(value):
        raise exceptions.TutorError(
            f"{where} may only contain {SECRET_RULE}: Compose and Kubernetes would not give the "
            f"app the value the LMS gets.{fix}"
        )
    return value


def matching(setting: str, value: Any, pattern: re.Pattern[str], problem: str) -> str:
    """`value` if it is text that `pattern` matches whole, refused with `problem` otherwise."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        refuse(setting, value, problem)
    return value


def client_name(setting: str, value: Any) -> str:
    return matching(setting, value, CLIENT_NAME, CLIENT_NAME_RULE)


def client_id(setting: str, value: Any) -> str:
    return matching(setting, value, CLIENT_ID, CLIENT_ID_RULE)


def words(setting: str, value: Any) -> list[str]:
    """A list of words from a YAML list of strings or a space-separated string."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    refuse(setting, value, "must be a list of strings, e.g. [user_id, profile, email].")


def scopes(setting: str, value: Any, required: Collection[str] = ()) -> list[str]:
    """OAuth scopes, as a list or a space-separated string."""
    found = words(setting, value)
    bad = [scope for scope in found if not SCOPE.fullmatch(scope)]
    if bad:
        refuse(
            setting,
            value,
            f"holds {bad[0]!r}, which is no scope name: scopes are lower-case words such "
            "as user_id, profile, email or grades:read.",
        )
    missing = [scope for scope in required if scope not in found]
    if missing:
        refuse(setting, value, f"must include {', '.join(missing)}: the app needs it.")
    return found


def rate(setting: str, value: Any) -> str:
    """A django-ratelimit rate, which the LMS parses at each request it limits."""
    return matching(setting, value, RATE, RATE_RULE)


def log_level(setting: str, value: Any) -> str:
    if not isinstance(value, str) or value.upper() not in LOG_LEVELS:
        refuse(setting, value, f"is not a log level: use one of {', '.join(LOG_LEVELS)}.")
    return value


def docker_image(setting: str, value: Any) -> str:
    return matching(setting, value, DOCKER_IMAGE, DOCKER_IMAGE_RULE)


def env_name(setting: str, value: Any) -> str:
    return matching(setting, value, ENV_NAME, ENV_NAME_RULE)


def mysql_name(setting: str, value: Any, max_length: int) -> str:
    if not isinstance(value, str) or len(value) > max_length or not MYSQL_NAME.fullmatch(value):
        refuse(
            setting,
            value,
            f"is not a MySQL name the init job can use: up to {max_length} letters, digits and "
            "underscores, not starting with a digit (e.g. lmsauth).",
        )
    return value


def service_username(setting: str, value: Any, namespace: str) -> str:
    """The username of an LMS service user: `namespace` or `namespace-...`, so that it cannot
    be another plugin's service user (Tutor's own is `cms`)."""
    if (
        not isinstance(value, str)
        or not USERNAME.fullmatch(value)
        or not (value == namespace or value.startswith(namespace + "-"))
    ):
        refuse(
            setting,
            value,
            f"must be {namespace} or start with {namespace}- (lower-case letters, digits, _ and "
            f"-, at most 30 characters, e.g. {namespace}-reports).",
        )
    return value


def plain_text(setting: str, value: Any) -> str:
    """A value that env files, shell scripts and MySQL option files all read as it is (not
    shown: it may be a password)."""
    if not isinstance(value, str) or not visible_ascii(value) or NOT_PLAIN & set(value):
        raise exceptions.TutorError(
            f"{setting} (not shown) reaches lmsauth's env files as it is, and may only hold "
            "printable ASCII characters other than spaces, quotes, backslashes, $ and #."
        )
    return value
