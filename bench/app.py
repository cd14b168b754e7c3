"""The bundled app under load, against the stand-in LMS, both under gunicorn on loopback.

    python bench/app.py [--logins 20] [--seconds 4] [--concurrency 8]

Prints, in one run:
- back-channel requests per sign-in, counted in the stand-in LMS's request log (target 1; the
  tutorial's approach, a token request then a user-info call, needs 2);
- the median sign-in round trip (app -> LMS authorize -> app callback -> landing page) for a user
  already signed in at the LMS, and for one who fills in the LMS sign-in form;
- requests per second of the signed-in profile page (served from the session: no LMS call) and
  of a bare Django view under the same gunicorn settings, measured alternately in one run, and
  their ratio (target at least 0.8);
- resident memory of each app worker.
The load generator runs on the same machine, so absolute figures depend on it; the ratio and the
counts are the figures that carry over.
"""

import argparse
import http.client
import statistics
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from devstack.app_server import AppServer, app_env, serve_like_the_app
from devstack.process import Server, free_port
from devstack.signin import Browser
from devstack.standin import running_standin_lms

BACK_CHANNEL = ("/oauth2/access_token", "/oauth2/revoke_token", "/api/user/")
SCOPES = ["user_id", "profile", "email"]

BARE_PROJECT = {
    "bare_settings.py": """
        SECRET_KEY = "bench-only-bare-django-view-not-a-secret-0123456789"
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1"]
        ROOT_URLCONF = "bare_urls"
        INSTALLED_APPS = []
        MIDDLEWARE = []
    """,
    "bare_urls.py": """
        from django.http import HttpResponse
        from django.urls import path

        def hello(request):
            return HttpResponse("hello")

        urlpatterns = [path("", hello)]
    """,
    "bare_wsgi.py": """
        import os
        from django.core.wsgi import get_wsgi_application

        os.environ["DJANGO_SETTINGS_MODULE"] = "bare_settings"
        application = get_wsgi_application()
    """,
}


def back_channel_count(lms, since: int) -> int:
    return sum(1 for e in lms.requests_log()[since:] if e["path"].startswith(BACK_CHANNEL))


def measure_sign_ins(app, lms, count: int) -> dict:
    """Sign-ins of a user already signed in at the LMS, then of users who fill in its form."""
    browser = Browser(lms.learner)
    browser.sign_in(app.url)  # signs in at the LMS too
    sso, calls = [], []
    for _ in range(count):
        for name in ("lmsauth_sessionid", "lmsauth_csrftoken"):
            browser.http.cookies.set(name, None)
        before = len(lms.requests_log())
        started = time.perf_counter()
        page = browser.sign_in(app.url)
        sso.append(time.perf_counter() - started)
        assert page.status_code == 200 and "Hello" in page.text, page.text[:500]
        calls.append(back_channel_count(lms, before))
    with_form = []
    for _ in range(max(3, count // 4)):
        started = time.perf_counter()
        page = Browser(lms.learner).sign_in(app.url)
        with_form.append(time.perf_counter() - started)
        assert page.status_code == 200
    return {"sso": sso, "with_form": with_form, "calls": calls}


def load(port: int, path: str, headers: dict, seconds: float, concurrency: int) -> float:
    """Requests per second over keep-alive connections from `concurrency` threads."""
    done = [0] * concurrency
    stop = time.monotonic() + seconds

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            done[index] += 1
        connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def start_bare(workdir: Path, env: dict) -> tuple[Server, int]:
    for name, text in BARE_PROJECT.items():
        (workdir / name).write_text(textwrap.dedent(text))
    port = free_port()
    server = serve_like_the_app(
        "bare Django", "bare_wsgi", workdir, env, port, workdir / "bare.log"
    )
    return server, port


def worker_memory(master_pid: int) -> list[float]:
    """Resident memory (MiB) of each worker forked by a gunicorn master."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        tmp = Path(tmp)
        with running_standin_lms(tmp / "lms") as lms:
            port = free_port()
            client = lms.register_client(
                "lmsauth-sso", [f"http://127.0.0.1:{port}/auth/callback/"], scopes=SCOPES
            )
            env = app_env(
                lms,
                client,
                f"http://127.0.0.1:{port}",
                f"sqlite:///{tmp}/app.sqlite3",
                LMSAUTH_LOG_LEVEL="WARNING",
            )
            app = AppServer(tmp / "app", env, port)
            bare, bare_port = start_bare(tmp, env)
            try:
                sign_ins = measure_sign_ins(app, lms, args.logins)
                browser = Browser(lms.learner)
                browser.sign_in(app.url)
                assert browser.get(app.url + "/profile/").status_code == 200  # fills the cache
                cookie = {
                    "Cookie": "; ".join(
                        f"{name}={browser.http.cookies.get(name)}"
                        for name in ("lmsauth_sessionid", "lmsauth_csrftoken")
                    )
                }
                before = len(lms.requests_log())
                rates = {"profile": [], "bare": []}
                load(port, "/profile/", cookie, 1, args.concurrency)  # warm-up
                load(bare_port, "/", {}, 1, args.concurrency)
                for _ in range(3):
                    rates["bare"].append(load(bare_port, "/", {}, args.seconds, args.concurrency))
                    rates["profile"].append(
                        load(port, "/profile/", cookie, args.seconds, args.concurrency)
                    )
                lms_calls_under_load = back_channel_count(lms, before)
                # What a per-view LMS call (the tutorial's profile page) would add to each view.
                token = app.session_data(browser.app_session_key())["lms_token"]["access_token"]
                lms_port = int(lms.url.rsplit(":", 1)[1])
                accounts_rate = load(
                    lms_port,
                    "/api/user/v1/accounts/learner",
                    {"Authorization": f"JWT {token}"},
                    args.seconds,
                    args.concurrency,
                )
                memory = worker_memory(app.process.pid)
            finally:
                bare.stop()
                app.stop()

    calls = sign_ins["calls"]
    profile_rate = statistics.median(rates["profile"])
    bare_rate = statistics.median(rates["bare"])
    workers = app.env.get("GUNICORN_WORKERS", "2")
    threads = app.env.get("GUNICORN_THREADS", "4")
    print("lmsauth app benchmark (stand-in LMS and app under gunicorn on loopback)")
    print(
        f"back-channel requests per sign-in: {statistics.mean(calls):.2f} "
        f"(min {min(calls)}, max {max(calls)}, over {len(calls)} sign-ins; target 1, "
        "the tutorial's approach needs 2)"
    )
    print(
        f"median sign-in round trip, already signed in at the LMS: "
        f"{statistics.median(sign_ins['sso']) * 1000:.0f} ms"
    )
    print(
        f"median sign-in round trip, including the LMS sign-in form: "
        f"{statistics.median(sign_ins['with_form']) * 1000:.0f} ms"
    )
    print(
        f"signed-in profile page: {profile_rate:.0f} req/s; bare Django view: {bare_rate:.0f} "
        f"req/s (gunicorn.conf.py: {workers} workers x {threads} threads, "
        f"{args.concurrency} clients, 3 x {args.seconds:.0f} s each, alternated)"
    )
    print(f"ratio profile / bare: {profile_rate / bare_rate:.2f} (target at least 0.8)")
    print(f"LMS requests while serving the profile page under load: {lms_calls_under_load}")
    print(
        f"for scale, the stand-in LMS accounts API alone (a per-view LMS call): "
        f"{accounts_rate:.0f} req/s"
    )
    print("resident memory per worker: " + ", ".join(f"{m:.0f} MiB" for m in memory))


if __name__ == "__main__":
    main()
