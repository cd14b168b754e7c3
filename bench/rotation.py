"""Sign-ins during a client secret rotation: the plugin's order against the naive one.

    python bench/rotation.py [--on stack|launch] [--workers 8] [--people 48] [--pause 8]
                             [--routing subdomain|path]

On the integrated set-up (`--on stack`, the default: stand-in LMS, the app under gunicorn, Caddy
on the Tutor-rendered Caddyfile; devstack/stack.py), or on the container rehearsal of
`tutor local launch` (`--on launch`: devstack/launch, podman behind the docker shim; the workers
use Caddy's published port as their HTTP proxy, so the URLs are Tutor's own), worker threads
sign in to the app through Caddy without a pause, each sign-in the whole authorization-code
flow as the next of `--people` browsers, while:

1. `tutor lmsauth rotate-secret --runner local` runs, one phase at a time (`--step`, then
   `--resume --step`) with a pause between phases, so that each phase sees many sign-ins; its
   docker calls are carried out against the set-up (the app restarted on the environment Tutor
   rendered, the provisioning job run against the stand-in LMS) or, on the rehearsal, by
   podman-compose (the lmsauth container recreated, the job run in an LMS container);
2. the naive order runs, with Tutor's own commands and the same pauses: `tutor config save
   --set LMSAUTH_CLIENT_SECRET=...`, `tutor local do lmsauth-sync` (LMS first), then
   `tutor local start -d lmsauth` (app second);
3. on the integrated set-up, `tutor lmsauth rotate-client notebooks --runner local` rotates the
   credentials of a declared app, JupyterHub (examples/jupyterhub, declared as README's "Your
   own apps" shows), phase by phase, while the workers sign in to the hub instead (its home
   page showing the learner's name): register the next client; stop the hub, hand the codes
   pending on the old client to the next one, start the hub on it; retire the old one.

It prints, for each, the sign-ins attempted, succeeded and failed, stretch by stretch (a
sign-in counts where it ended: its token request is its last step but one; the rows of app
restarts and stops and of LMS jobs give their duration), and why the failed ones failed. On
the rehearsal, the stretches are the commands' own: the moments the app restarts and the LMS
job runs inside a command are not observed there.

The stand-in LMS limits token requests per client address (120 a minute, as the LMS does), and
the app limits sign-ins per address too; both are left as they are. On the integrated set-up
each browser connects from a loopback address of its own, and the app tells the LMS that
address, so the limits count each person apart. On the rehearsal every browser reaches Caddy
through the port podman publishes, which may show them all as one address: there, sign-ins are
paced to 50 a minute in all (`--per-minute`), within one address's quota.

The rehearsal's containers are stopped and removed at the end, also on failure or Ctrl-C.

Caddy serves the rendered routes, whose retry of the app's upstream (`lb_try_duration`) makes a
request that arrives while the app is recreated wait for it instead of failing with 502.
"""

import argparse
import contextlib
import secrets
import string
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from devstack.declared_apps import jupyterhub_declaration
from devstack.docker_actor import DockerActor, Event
from devstack.launch import rehearsal
from devstack.load import Attempt, SignInLoad
from devstack.signin import Browser, loopback_names
from devstack.stack import Stack, running_stack
from devstack.standin import User

# Sign-ins a minute on the rehearsal, where every browser may arrive from one address: within
# the app's limit per address (60 a minute) and the LMS's (120 token requests).
LAUNCH_PER_MINUTE = 50
LOCKED_RERUNS = 3
# The declared app of the third measure, and the cookies that make a browser signed in to it.
HUB = "notebooks"
HUB_COOKIES = ("jupyterhub-hub-login", "jupyterhub-session-id", "oauthenticator-state")


@dataclass
class Target:
    """Where the sign-ins go, and how each order's commands run there."""

    app_url: str
    lms_url: str
    learner: User
    # (run `tutor ARGS`, raising RuntimeError on failure; the docker actions seen, if observed)
    commands: Callable[[str], contextlib.AbstractContextManager]
    proxies: dict[str, str] = field(default_factory=dict)
    # The browsers' address: None for one loopback address each; through a proxy, the default.
    address: str | None = None
    # The declared JupyterHub's URL (ending with "/"), where the set-up runs it.
    hub_url: str | None = None
    # At most this many sign-ins a minute in all (0: as fast as the workers go).
    per_minute: int = 0


class HubBrowser(Browser):
    """A browser whose sign-in attempts go to the hub rather than to the bundled app."""

    def attempt(self, app_url: str) -> str | None:
        """One sign-in to the hub at `app_url` from scratch (its cookies dropped, the LMS
        session kept): its home page sends the browser to the LMS and back; None when it shows
        the learner's name, else what the user saw."""
        for cookie in [c for c in self.http.cookies if c.name in HUB_COOKIES]:
            self.http.cookies.clear(cookie.domain, cookie.path, cookie.name)
        home = f"{app_url}hub/home"
        try:
            response = self.follow(self.get(home))
        except requests.RequestException as error:
            return f"no answer ({type(error).__name__})"
        if response.status_code == 200 and response.url == home:
            return None if self.user.username in response.text else "home page without the user"
        path = response.url.split("?", 1)[0].split("/", 3)[-1]
        return f"HTTP {response.status_code} at /{path}"


class Timeline:
    """Labelled moments of a run: each command's start and end, and the state it leaves."""

    def __init__(self, run: Callable[..., object], events: list[Event], pause: float) -> None:
        self.run = run
        self.events = events
        self.pause = pause
        self.marks: list[tuple[float, str]] = [(float("-inf"), "before: app old, LMS old")]
        self.reruns: list[str] = []

    def command(self, label: str, state: str, *args: str) -> None:
        if len(self.marks) > 1:
            time.sleep(self.pause)  # an operator's pace between two commands
        self.marks.append((time.monotonic(), f"{label} running"))
        for attempt in range(1, LOCKED_RERUNS + 2):
            try:
                self.run(*args)
                break
            except RuntimeError as error:
                # The stand-in keeps its data in SQLite, which may refuse the job's transaction
                # while sign-ins write tokens (the LMS runs on MySQL): the operator runs the
                # command again, which the rotation's recorded phases allow.
                if "database is locked" not in str(error) or attempt > LOCKED_RERUNS:
                    raise
                self.reruns.append(label)
        self.marks.append((time.monotonic(), f"{label} done: {state}"))

    def stretches(self) -> list[tuple[float, str]]:
        """The marks, with the app restarts and LMS jobs Docker was asked for in between."""
        marks = list(self.marks)
        for event in self.events:
            running = [label for at, label in self.marks if at <= event.started][-1]
            doing = {"recreate": f"{event.service} restarting", "stop": f"{event.service} stopping"}
            doing = doing.get(event.kind, "LMS job running")
            took = f"{event.ended - event.started:.1f} s"
            marks += [(event.started, f"  {doing} ({took})"), (event.ended, running)]
        return sorted(marks)


def tutor(stack: Stack, actor: DockerActor, *args: str) -> None:
    result = stack.tutor.run(*args, env=actor.env())
    if result.returncode != 0:
        # The output may hold a job script, never a secret: the tests check that.
        errors = "; ".join(actor.errors)
        actor.errors.clear()
        raise RuntimeError(
            f"`tutor {' '.join(args[:3])}` failed:\n{result.output[-3000:]}\n{errors}"
        )


def designed(timeline: Timeline) -> None:
    """The rotation command, one phase at a time (`--step`), the operator pausing in between."""
    rotate = ("lmsauth", "rotate-secret")
    timeline.command("1 staged", "app old, LMS old", *rotate, "--runner", "local", "--step")
    timeline.command("2 app-updated", "app new+old, LMS old", *rotate, "--resume", "--step")
    timeline.command("3 lms-updated", "app new+old, LMS new", *rotate, "--resume", "--step")
    timeline.command("4 finished", "app new, LMS new", *rotate, "--resume", "--step")


def naive(timeline: Timeline) -> None:
    """What an operator does without the rotation command: new secret, LMS, then app."""
    new = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    save = ("config", "save", "--set", f"LMSAUTH_CLIENT_SECRET={new}")
    timeline.command("config save", "app old, LMS old", *save)
    timeline.command("do lmsauth-sync", "app old, LMS new", "local", "do", "lmsauth-sync")
    timeline.command("start lmsauth", "app new, LMS new", "local", "start", "-d", "lmsauth")


def declared(timeline: Timeline) -> None:
    """The declared hub's rotation, one phase at a time, the operator pausing in between."""
    rotate = ("lmsauth", "rotate-client", HUB)
    timeline.command(
        "1 registered", "hub old, LMS old+next", *rotate, "--runner", "local", "--step"
    )
    timeline.command("2 switched", "hub next, LMS old+next", *rotate, "--resume", "--step")
    timeline.command("3 retired", "hub next, LMS next", *rotate, "--resume", "--step")


def measure(target: Target, options: argparse.Namespace, order, to_hub: bool = False):
    with target.commands(order.__name__) as (run, events):
        timeline = Timeline(run, events, options.pause)
        kind, url = (HubBrowser, target.hub_url) if to_hub else (Browser, target.app_url)
        browsers = [
            kind(target.learner, proxies=target.proxies, address=target.address)
            for _ in range(max(options.people, options.workers))
        ]
        for browser in browsers:
            browser.sign_in_at_lms(target.lms_url)
        with SignInLoad(url, browsers, options.workers, target.per_minute) as load:
            time.sleep(options.pause)
            order(timeline)
            time.sleep(options.pause)
        return load.attempts, timeline.stretches(), timeline.reruns


@contextlib.contextmanager
def stack_target(routing: str) -> Iterator[Target]:
    """The integrated set-up; Tutor's docker calls carried out on it by a DockerActor."""

    @contextlib.contextmanager
    def commands(name: str):
        with DockerActor(stack) as actor:
            yield (lambda *args: tutor(stack, actor, *args)), actor.events

    hub = {HUB: jupyterhub_declaration(routing)}
    with loopback_names(), running_stack(routing, config={"LMSAUTH_APPS": hub}) as stack:
        hub_url = stack.apps[HUB].public_url
        yield Target(stack.app_url, stack.lms_url, stack.learner, commands, hub_url=hub_url)


@contextlib.contextmanager
def launch_target() -> Iterator[Target]:
    """`tutor local launch` on the rehearsal, the learner created; removed at the end."""

    @contextlib.contextmanager
    def commands(name: str):
        yield platform.tutor, []

    with tempfile.TemporaryDirectory(prefix="lmsauth-rotation-", ignore_cleanup_errors=True) as top:
        root = Path(top, "tutor-root")
        root.mkdir()
        platform = rehearsal.configure(root)
        try:
            rehearsal.launch(platform)
            yield Target(
                f"http://lmsauth.{rehearsal.LMS_HOST}",
                f"http://{rehearsal.LMS_HOST}",
                User(*rehearsal.USER),
                commands,
                {"http": f"http://127.0.0.1:{platform.port}"},
                address="127.0.0.1",
                per_minute=LAUNCH_PER_MINUTE,
            )
        finally:
            rehearsal.remove_project(platform)


def report(
    title: str, attempts: list[Attempt], stretches: list[tuple[float, str]], reruns: list[str]
) -> None:
    failed = [a for a in attempts if a.failure]
    print(f"\n{title}")
    for label in reruns:
        print(f"  (stand-in LMS database locked during `{label}`: command run again)")
    print(
        f"  sign-ins attempted {len(attempts)}, succeeded {len(attempts) - len(failed)}, "
        f"failed {len(failed)}   (by the moment each one ended:)"
    )
    bounds = [at for at, _ in stretches[1:]] + [float("inf")]
    for (start, label), end in zip(stretches, bounds, strict=True):
        inside = [a for a in attempts if start <= a.ended < end]
        bad = sum(1 for a in inside if a.failure)
        print(f"    {label:<40} attempted {len(inside):>4}  failed {bad:>4}")
    for reason, count in Counter(a.failure for a in failed).most_common():
        print(f"      {count:>4} x {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--on", choices=("stack", "launch"), default="stack")
    parser.add_argument("--workers", type=int, default=8, help="concurrent sign-in threads")
    parser.add_argument(
        "--people", type=int, default=48, help="browsers the workers take turns with"
    )
    parser.add_argument("--routing", choices=("subdomain", "path"), default="subdomain")
    parser.add_argument(
        "--pause", type=float, default=8.0, help="seconds between two commands, before, after"
    )
    options = parser.parse_args()

    on = "the launch rehearsal" if options.on == "launch" else f"{options.routing} routing"
    paced = f", {LAUNCH_PER_MINUTE} a minute" if options.on == "launch" else ""
    print(
        f"Rotation benchmark: {options.workers} workers signing in through Caddy ({on}) as "
        f"{options.people} browsers{paced}; the LMS's and the app's limits per address as "
        "they are, everything else as Tutor renders it."
    )
    started = time.monotonic()
    on_target = launch_target() if options.on == "launch" else stack_target(options.routing)
    with on_target as target:
        for title, order in (
            ("tutor lmsauth rotate-secret --runner local (app first, LMS second)", designed),
            ("naive order (LMS first, app second)", naive),
        ):
            report(title, *measure(target, options, order))
        if target.hub_url:
            title = f"tutor lmsauth rotate-client {HUB} --runner local (sign-ins to JupyterHub)"
            report(title, *measure(target, options, declared, to_hub=True))
    print(f"\ntotal {time.monotonic() - started:.0f} s (set-up, both orders, removal)")


if __name__ == "__main__":
    main()
