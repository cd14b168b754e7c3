"""A busy launch day on the integrated set-up, every figure in one run.

    python bench/load.py [--people 60] [--workers 12] [--seconds 60] [--per-minute 0]
                         [--flood-rate 60] [--anonymous 10000] [--rounds 20]

The set-up is devstack/stack.py's: the stand-in LMS with the LMS's own limit (120 token requests
a minute per client address), the app under gunicorn with the environment Tutor renders, Caddy
on the rendered Caddyfile. Every request below goes through Caddy except those of part 4.

1. Sign-ins: `--workers` threads sign in for `--seconds`, each time as the next of `--people`
   browsers, each from a loopback address of its own (127.0.0.2 and up), already signed in at
   the LMS; each sign-in is the whole flow (the app, the LMS's authorize, the callback and its
   token request, the profile page and its accounts API call). Goal: at least 600 a minute, five
   times the LMS's limit for one address, and none failed. With `--per-minute N` they are paced
   to N a minute in all, which leaves the machine's spare time to the flood below.
2. Meanwhile, one more address floods the app at `--flood-rate` requests a second with what a
   script can do without an LMS account: a sign-in start (for a valid state), then a callback
   with a junk code. Goal: no failed sign-in for the others; the flooder answered 429.
3. Sessions: the app's session rows before and after `--anonymous` cookieless /auth/login/ hits
   from 250 addresses and 1,000 from one address, then after the ten minutes those sign-ins may
   last (the only thing simulated: their expiry is moved back ten minutes) and a clean-up cycle.
4. The signed-in page: requests a second, measured by wrk, of the app's /profile/ and of a
   `django-admin startproject` site's login_required template page, both served from database
   sessions by gunicorn with the app's gunicorn.conf.py and environment, straight to gunicorn;
   `--rounds` rounds of 2 s each, in alternating order. Goal: the median of the per-round ratios
   at least 1.0.

The load generator shares the machine, so absolute rates depend on it; the counts and the
ratios are the figures that carry over.
"""

import argparse
import contextlib
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devstack.addresses import CLIENT_ADDRESSES, next_address, session_from
from devstack.app_server import serve_like_the_app
from devstack.load import Pace, SignInLoad, Workers
from devstack.process import free_port
from devstack.signin import APP_COOKIES, Browser, loopback_names, query
from devstack.stack import Stack, running_stack

# Enough requests in flight that the flood keeps its rate while the sign-ins keep the machine
# busy (an answer then takes about 100 ms; with 4 threads the flood stayed under 40 a second).
FLOOD_THREADS = 12
SESSION_ADDRESSES = 250
ONE_ADDRESS_HITS = 1000
WRK_SECONDS = 2
PLAIN_PAGE = "<!doctype html><title>Signed in</title><p>Signed in as {{ user.username }}.</p>\n"
PLAIN_SETTINGS = """
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
"""
PLAIN_URLS = """
from django.contrib.auth.decorators import login_required
from django.views.generic import TemplateView

urlpatterns.append(path("page/", login_required(TemplateView.as_view(template_name="page.html"))))
"""
PLAIN_SESSION = """
from django.contrib.auth.models import User
from django.test import Client
client = Client()
client.force_login(User.objects.create_user("learner"))
print(client.cookies["sessionid"].value)
"""


class Flood(Workers):
    """Threads sending, from one address, sign-in starts each followed by a junk callback."""

    def __init__(self, stack: Stack, per_second: float) -> None:
        super().__init__(FLOOD_THREADS)
        self.stack = stack
        self.address = next_address()
        self.answers: Counter[int] = Counter()
        self._pace = Pace(per_second, self._stop)

    def _get(self, http, path: str, **params: str):
        self._pace.wait_turn()
        response = http.get(self.stack.url(path), params=params, allow_redirects=False, timeout=30)
        with self._lock:
            self.answers[response.status_code] += 1
        return response

    def _work(self) -> None:
        http = session_from(self.address)
        while not self._stop.is_set():
            http.cookies.clear()
            started = self._get(http, "/auth/login/")
            state = query(started.headers.get("Location", "")).get("state", "none")
            self._get(http, "/auth/callback/", state=state, code="junk-code")


def sign_ins_under_flood(stack: Stack, args) -> dict:
    browsers = [Browser(stack.learner) for _ in range(args.people)]
    for browser in browsers:
        browser.sign_in_at_lms(stack.lms_url)
    with (
        Flood(stack, args.flood_rate) as flood,
        SignInLoad(stack.app_url, browsers, args.workers, args.per_minute) as load,
    ):
        time.sleep(args.seconds)
    seconds = load.seconds
    failures = Counter(a.failure for a in load.attempts if a.failure)
    return {
        "addresses": len({b.address for b in browsers}),
        "attempted": len(load.attempts),
        "failed": sum(failures.values()),
        "failures": failures,
        "per_minute": len(load.attempts) / seconds * 60,
        "flood": flood,
    }


def session_rows(stack: Stack) -> int:
    with contextlib.closing(sqlite3.connect(stack.app_database)) as db:
        return db.execute("SELECT COUNT(*) FROM django_session").fetchone()[0]


def anonymous_hits(stack: Stack, addresses: list[str], total: int) -> Counter:
    """`total` cookieless sign-in starts, spread evenly over `addresses`."""
    answers: Counter[int] = Counter()
    lock = threading.Lock()

    def hit(index: int) -> None:
        http = session_from(addresses[index % len(addresses)])
        status = http.get(stack.url("/auth/login/"), allow_redirects=False, timeout=30).status_code
        with lock:
            answers[status] += 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(hit, range(total)))
    return answers


def sessions_under_anonymous_flood(stack: Stack, total: int) -> dict:
    figures = {"before": session_rows(stack)}
    figures["spread"] = anonymous_hits(stack, CLIENT_ADDRESSES[:SESSION_ADDRESSES], total)
    figures["after_spread"] = session_rows(stack)
    # An address the spread did not use.
    figures["one"] = anonymous_hits(stack, [CLIENT_ADDRESSES[-1]], ONE_ADDRESS_HITS)
    figures["after_one"] = session_rows(stack)
    # Ten minutes later: every session's expiry moved back ten minutes, then a clean-up cycle
    # (the app's interval is shortened for this run; any request prompts it).
    with contextlib.closing(sqlite3.connect(stack.app_database)) as db, db:
        db.execute("UPDATE django_session SET expire_date = datetime(expire_date, '-600 seconds')")
    deadline = time.monotonic() + 30
    rows = session_rows(stack)
    while time.monotonic() < deadline:
        session_from(next_address()).get(stack.url("/healthz"), timeout=10)
        time.sleep(1)
        previous, rows = rows, session_rows(stack)
        if rows == previous and rows < figures["after_one"]:
            break
    figures["after_cleanup"] = rows
    return figures


def plain_site(workdir: Path, env: dict) -> tuple:
    """A `django-admin startproject` site with one login_required template page, migrated, a
    user signed in: (server, port, session cookie)."""
    workdir.mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "plain", str(workdir)], check=True
    )
    with open(workdir / "plain" / "settings.py", "a") as settings:
        settings.write(PLAIN_SETTINGS)
    with open(workdir / "plain" / "urls.py", "a") as urls:
        urls.write(textwrap.dedent(PLAIN_URLS))
    (workdir / "templates").mkdir()
    (workdir / "templates" / "page.html").write_text(PLAIN_PAGE)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=workdir, check=True)
    printed = subprocess.run(
        [*manage, "shell", "-c", PLAIN_SESSION],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    port = free_port()
    server = serve_like_the_app(
        "plain Django", "plain.wsgi", workdir, env, port, workdir / "gunicorn.log"
    )
    return server, port, printed.split()[-1]


def wrk(url: str, headers: dict[str, str]) -> float:
    command = ["wrk", "-t2", "-c8", f"-d{WRK_SECONDS}s", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw error answers from {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def signed_in_pages(stack: Stack, rounds: int, workdir: Path) -> dict:
    browser = Browser(stack.learner)
    with loopback_names():
        assert "Your profile" in browser.sign_in(stack.app_url, "/profile/").text
    ours_url = f"http://127.0.0.1:{stack.app_port}/profile/"
    ours_headers = {
        "Host": stack.app_url.split("://", 1)[1].split("/", 1)[0],
        "Cookie": "; ".join(f"{name}={browser.http.cookies[name]}" for name in APP_COOKIES),
    }
    server, port, key = plain_site(workdir, stack.app_env)
    try:
        plain_url = f"http://127.0.0.1:{port}/page/"
        plain_headers = {"Cookie": f"sessionid={key}"}
        checks = (
            session_from("127.0.0.1").get(ours_url, headers=ours_headers, timeout=10),
            session_from("127.0.0.1").get(plain_url, headers=plain_headers, timeout=10),
        )
        for page, text in zip(checks, ("Your profile", "Signed in as learner"), strict=True):
            if page.status_code != 200 or text not in page.text:
                raise RuntimeError(f"{page.url} is not the signed-in page ({page.status_code})")
        wrk(ours_url, ours_headers), wrk(plain_url, plain_headers)  # warm-up
        ours, plain = [], []
        for number in range(rounds):
            pair = [(ours, ours_url, ours_headers), (plain, plain_url, plain_headers)]
            for rates, url, headers in pair if number % 2 == 0 else reversed(pair):
                rates.append(wrk(url, headers))
    finally:
        server.stop()
    ratios = [o / p for o, p in zip(ours, plain, strict=True)]
    return {"ours": ours, "plain": plain, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60, help="browsers, one address each")
    parser.add_argument("--workers", type=int, default=12, help="sign-ins under way at once")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--per-minute", type=float, default=0, help="sign-ins a minute in all (0: no limit)"
    )
    parser.add_argument("--flood-rate", type=float, default=60, help="flood requests a second")
    parser.add_argument("--anonymous", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-load-") as tmp,
        loopback_names(),
        running_stack("subdomain", workdir=Path(tmp, "stack")) as stack,
    ):
        # Clean-ups every 5 s instead of 300, so that part 3 sees one without waiting.
        stack.restart_app({"LMSAUTH_SESSION_CLEANUP_INTERVAL": "5"})
        load = sign_ins_under_flood(stack, args)
        sessions = sessions_under_anonymous_flood(stack, args.anonymous)
        pages = signed_in_pages(stack, args.rounds, Path(tmp, "plain"))
        workers = stack.app_env.get("GUNICORN_WORKERS", "2")
        threads = stack.app_env.get("GUNICORN_THREADS", "4")

    flood = load["flood"]
    flooded = sum(flood.answers.values())
    paced = f" (paced to {args.per_minute:.0f} a minute)" if args.per_minute else ""
    print("lmsauth load benchmark (stand-in LMS at its real 120/m per address, app, Caddy)")
    print(
        f"sign-ins through Caddy{paced}: {load['attempted']} in {args.seconds:.0f} s = "
        f"{load['per_minute']:.0f} a minute from {load['addresses']} addresses "
        f"({load['per_minute'] / 120:.1f}x the LMS's limit for one address; goal 600), "
        f"failed {load['failed']} (goal 0)"
    )
    for reason, count in load["failures"].most_common():
        print(f"    {count} x {reason}")
    print(
        f"flood from one address meanwhile: {flooded} requests in {flood.seconds:.0f} s = "
        f"{flooded / flood.seconds:.0f} a second; answers "
        + ", ".join(f"{status}: {count}" for status, count in sorted(flood.answers.items()))
    )
    print(
        f"session rows: {sessions['before']} before; {sessions['after_spread']} after "
        f"{args.anonymous} anonymous sign-in starts from {SESSION_ADDRESSES} addresses "
        f"(answers {dict(sessions['spread'])}); {sessions['after_one']} after "
        f"{ONE_ADDRESS_HITS} more from one address (answers {dict(sessions['one'])}); "
        f"{sessions['after_cleanup']} once those sign-ins' ten minutes are over and a clean-up "
        "cycle ran"
    )
    ratios = pages["ratios"]
    print(
        f"signed-in page, wrk ({args.rounds} rounds of {WRK_SECONDS} s, alternating; "
        f"gunicorn.conf.py: {workers} workers x {threads} threads): ours "
        f"{statistics.median(pages['ours']):.0f} req/s, startproject login_required page "
        f"{statistics.median(pages['plain']):.0f} req/s (medians)"
    )
    print(
        f"ratio ours / plain: median {statistics.median(ratios):.2f} (goal at least 1.0), "
        f"rounds from {min(ratios):.2f} to {max(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
