"""`tutor lmsauth doctor`: what the config says, what the LMS holds and what the running app uses.

One LMS job (templates/lmsauth/tasks/lms/doctor) reports the application the LMS holds for each
client of `clients.oauth_clients`, the JWT issuer and public keys of the LMS settings, and what
each app of APP_PROBES answers at its readiness URL. Each check gives one line: OK, or the
problem and what fixes it. Nothing is changed, and no secret is shown: secrets are compared by
their fingerprints.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tutor import config as tutor_config
from tutor import exceptions
from tutor.types import Config

from . import apps, clients, job_output, jobs
from .client_secrets import fingerprint
from .config import CLIENT_ID, PREVIOUS_CLIENT_SECRET
from .rotation import app_credentials, bundled_secret

# The running apps the job asks what they use: app name -> its readiness URL on the platform's
# network (the LMS setting LMSAUTH_APP_PROBES). The bundled app answers with the client id,
# redirect URI, JWT issuer and JWT keys it was started with.
APP_PROBES = {"lmsauth": "http://lmsauth:8000/readyz"}
# The job's one line of JSON starts with this.
REPORT_PREFIX = "lmsauth-doctor: "


@dataclass(frozen=True)
class Finding:
    subject: str
    text: str
    # What fixes the problem (a command, in backticks); empty when all is well.
    fix: str = ""

    @property
    def ok(self) -> bool:
        return not self.fix

    def line(self) -> str:
        if self.ok:
            return f"OK {self.subject}: {self.text}"
        return f"PROBLEM {self.subject}: {self.text}. Fix: {self.fix}"


def examine(root: str, runner: str) -> list[Finding]:
    """Run the doctor's LMS job on `runner` and compare its report with the config."""
    config = tutor_config.load(root)
    report = read_report(job_output.lms_job_output(root, runner, jobs.DOCTOR))
    return findings(config, report, runner)


def read_report(output: str) -> dict[str, Any]:
    for line in output.splitlines():
        # A job run with a tty ends its lines with \r\n.
        line = line.strip()
        if line.startswith(REPORT_PREFIX):
            return dict(json.loads(line.removeprefix(REPORT_PREFIX)))
    raise exceptions.TutorError(
        "The doctor's LMS job printed no report: its output above says why."
    )


def findings(config: Config, report: dict[str, Any], runner: str) -> list[Finding]:
    rotation = bundled_secret.State.of(config)
    found = []
    for client in clients.oauth_clients(config):
        found += client_findings(config, client, report["clients"].get(client["name"]), runner)
    for app in APP_PROBES:
        found += app_findings(config, app, report, runner)
    if rotation is None:
        found.append(Finding("rotation", "no secret rotation under way"))
    else:
        resume = "`tutor lmsauth rotate-secret --resume`"
        found.append(Finding("rotation", bundled_secret.describe(rotation), resume))
    for app in apps.declared_apps(config):
        found.append(app_rotation_finding(config, app))
    return found


def app_rotation_finding(config: Config, app: apps.App) -> Finding:
    """Whether a declared app's credentials rotation was left half-way."""
    subject = f"rotation {app.name}"
    following = clients.next_app_credentials(config, app)
    if following is None:
        return Finding(subject, "no credentials rotation under way")
    done = app_credentials.phase(config, app.name) or "none"
    return Finding(
        subject,
        f"credentials rotation under way (phase done: {done}), next client id {following[0]}",
        f"`tutor lmsauth rotate-client {app.name} --resume`",
    )


def client_findings(
    config: Config, client: clients.Client, held: dict[str, Any] | None, runner: str
) -> list[Finding]:
    """The LMS's application for `client` against the config: one finding per setting."""
    name = client["name"]
    sync = f"`tutor {runner} do lmsauth-sync`"
    if held is None or held.get("missing"):
        text = f'the LMS has no application "{name}" owned by {client["username"]}'
        holder = (held or {}).get("client_id_holder")
        if not holder:
            return [Finding(name, text, sync)]
        return [
            Finding(
                name,
                f'{text}, and the application "{holder["name"]}" (owner {holder["owner"]}) holds '
                f"its client id {client['client_id']}",
                f"delete that application in the LMS admin or give this client another client "
                f"id, then {sync}",
            )
        ]
    found = [Finding(name, f"registered in the LMS (owner {client['username']})")]
    for label, wanted, held_value in (
        ("client id", client["client_id"], held["client_id"]),
        ("client type", client["client_type"], held["client_type"]),
        ("grant type", client["grant_type"], held["grant_type"]),
        ("skip authorization", client["skip_authorization"], held["skip_authorization"]),
    ):
        if wanted == held_value:
            found.append(Finding(name, f"{label} {_shown(wanted)}"))
        else:
            text = f"the LMS has {label} {_shown(held_value)}, the config {_shown(wanted)}"
            found.append(Finding(name, text, sync))
    for label, wanted, held_words in (
        ("redirect URIs", client["redirect_uris"], held["redirect_uris"]),
        ("scopes", client["scopes"], held["scopes"]),
    ):
        found.append(_same_words(name, label, wanted, held_words, sync))
    found.append(_secret_finding(config, client, held["secret"], sync))
    return found


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same_words(
    subject: str, label: str, wanted: list[str], held: list[str] | None, fix: str
) -> Finding:
    """Lists whose order does not matter to the LMS (redirect URIs, scopes)."""
    if held is None:
        return Finding(subject, f"the LMS has no {label} record for it", fix)
    missing = [word for word in wanted if word not in held]
    extra = [word for word in held if word not in wanted]
    if not missing and not extra:
        return Finding(subject, f"{label} {' '.join(wanted) or '(none)'}")
    parts = [f"lacks {' '.join(missing)}"] if missing else []
    parts += [f"has {' '.join(extra)} that the config does not"] if extra else []
    return Finding(subject, f"the LMS's {label} {' and '.join(parts)}", fix)


def _secret_finding(config: Config, client: clients.Client, held: str, sync: str) -> Finding:
    name = client["name"]
    wanted = fingerprint(client["client_secret"])
    if held == wanted:
        return Finding(name, f"secret {wanted}")
    text = f"the LMS has the secret {held}, the config {wanted}"
    if name == clients.APP_NAME and bundled_secret.State.of(config) is not None:
        # The rotation gives the LMS the new secret once the app accepts it: syncing now would
        # refuse the sign-ins of an app that does not have it yet.
        if held == fingerprint(str(config.get(PREVIOUS_CLIENT_SECRET) or "")):
            text += " (the LMS still has the secret before the rotation under way)"
        return Finding(name, text, "`tutor lmsauth rotate-secret --resume`")
    return Finding(name, text, sync)


def app_findings(config: Config, app: str, report: dict[str, Any], runner: str) -> list[Finding]:
    """What the running `app` answered, against the config and the LMS."""
    subject = f"app {app}"
    url = APP_PROBES[app]
    start = (
        f"`tutor {runner} start {app}`" if runner == "k8s" else f"`tutor {runner} start -d {app}`"
    )
    answer = report["apps"].get(app)
    if answer is None:
        # The settings the job read predate this app: render them again.
        return [Finding(subject, "the LMS settings do not list it", "`tutor config save`")]
    if "error" in answer:
        return [Finding(subject, f"no answer at {url} ({answer['error']})", start)]
    body = answer["body"] if isinstance(answer["body"], dict) else {}
    if answer["status"] != 200:
        state = body.get("status", "no readiness report")
        return [
            Finding(
                subject,
                f"{url} answers {answer['status']} ({state})",
                f"see `tutor {runner} logs {app}`",
            )
        ]
    if "jwt_keys" not in body:
        # An image of the operator's own, without the bundled app's readiness report.
        return [Finding(subject, f"answers at {url} (no report of what it uses)")]
    bundled = apps.bundled_app(config)
    app_url = bundled.dev_url if runner == "dev" else bundled.public_url
    lms_keys = key_set_fingerprint(report["jwt"]["keys"])
    found = [Finding(subject, f"ready at {url}")]
    for label, used, wanted, source in (
        ("client id", body["client_id"], str(config[CLIENT_ID]), "the config"),
        ("redirect URI", body["redirect_uri"], app_url + bundled.callback_path, "the config"),
        ("JWT issuer", body["jwt_issuer"], report["jwt"]["issuer"], "the LMS"),
        ("JWT keys", body["jwt_keys"], lms_keys, "the LMS signs with"),
    ):
        if used == wanted:
            found.append(Finding(subject, f"{label} {used}, as {source}"))
        else:
            text = f"it uses the {label} {used}, {source} {wanted}"
            found.append(Finding(subject, text, start))
    return found


def _jwk_number(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex().lstrip("0")


def key_set_fingerprint(key_set: Any) -> str:
    """A short tag of the RSA public keys of a JWK set, whatever their order or JSON spelling.

    The bundled app's /readyz tags the key set it verifies with the same way
    (app/profiles/middleware.py), so equal tags mean the same keys.
    """
    if not isinstance(key_set, dict):
        return "(none)"
    numbers = sorted(
        f"{_jwk_number(key['n'])}:{_jwk_number(key['e'])}"
        for key in key_set.get("keys", [])
        if key.get("kty") == "RSA"
    )
    return "sha256:" + hashlib.sha256("\n".join(numbers).encode()).hexdigest()[:12]
