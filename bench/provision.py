"""Provisioning cost: lmsauth-sync against one create_dot_application per client.

    python bench/provision.py [--runs 3]

For 1 and 10 OAuth clients, on the stand-in LMS (a fresh database each run), it times
- our way: the job `tutor local do lmsauth-sync` starts (captured with the fake docker), which
  reads every client from the LMS settings Tutor rendered, in one LMS boot;
- Tutor's first-party plugins' way: per client, `manage_user` then `create_dot_application
  --update` with the client's settings on the command line.
LMS boots are counted from the shell's trace of the commands it ran. Each boot of the real LMS
costs tens of seconds; the stand-in boots in about one, so boots are the figure that carries
over. Target: 10 clients cost less than 1.2 times one client our way.
"""

import argparse
import resource
import shlex
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from devstack.provisioning import new_project, rendered_clients, sync_script
from devstack.standin import run_job, running_standin_lms

CLIENT_COUNTS = (1, 10)
METHOD_OURS = "lmsauth-sync (one LMS shell)"
METHOD_PER_CLIENT = "manage_user + create_dot_application"
TARGET = 1.2


def extra_clients(count: int) -> dict:
    """`count` extra clients besides the bundled one, each with its own redirect URI."""
    return {
        f"partner-{n}": {
            "redirect_uris": [f"https://partner-{n}.example.com/oauth/complete/"],
            "scopes": ["user_id", "email"],
        }
        for n in range(2, count + 1)
    }


def per_client_commands(clients: list[dict]) -> str:
    """What Tutor's own plugins run: a service user, then one create_dot_application per client."""
    lines = []
    for client in clients:
        lines.append(
            shlex.join(
                ["./manage.py", "lms", "manage_user", client["username"], client["email"]]
                + ["--unusable-password"]
            )
        )
        command = ["./manage.py", "lms", "create_dot_application"]
        command += ["--grant-type", client["grant_type"]]
        command += ["--redirect-uris", " ".join(client["redirect_uris"])]
        command += ["--client-id", client["client_id"], "--client-secret", client["client_secret"]]
        command += ["--scopes", ",".join(client["scopes"])]
        command += ["--skip-authorization"] if client["skip_authorization"] else []
        command += ["--update", client["name"], client["username"]]
        lines.append(shlex.join(command))
    return "\n".join(lines)


def new_dir(parent: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=parent))


def run_on_fresh_lms(script: str, settings: Path, pristine: Path, env: dict, work: Path) -> dict:
    """Run `script` as the LMS job would, on a copy of a migrated database; time and count boots."""
    db, log = work / "lms.sqlite3", work / "lms.log"
    shutil.copyfile(pristine, db)
    log.unlink(missing_ok=True)
    job_env = {**env, "STANDIN_LMS_DB": str(db), "STANDIN_LMS_LOG": str(log)}
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # The shell's trace (stderr) of each command run: the count of LMS boots. It is never
    # printed (the per-client commands carry secrets).
    result = run_job(job_env, script, settings, trace=True)
    seconds = time.perf_counter() - start
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    if result.returncode != 0:
        raise SystemExit(f"provisioning failed (exit {result.returncode})")
    boots = sum(
        1 for line in result.stderr.splitlines() if line.lstrip("+ ").startswith("./manage.py ")
    )
    log_text = log.read_text() if log.exists() else ""
    return {"seconds": seconds, "cpu": cpu, "boots": boots, "log": log_text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each case")
    runs = parser.parse_args().runs

    with tempfile.TemporaryDirectory(prefix="bench-provision-") as tmp:
        tmp_path = Path(tmp)
        secrets_by_count: dict[int, list[str]] = {}
        with running_standin_lms(tmp_path / "lms") as lms:
            pristine = tmp_path / "pristine.sqlite3"
            shutil.copyfile(lms.db_path, pristine)
            env = dict(lms.env)

        cases = []
        for count in CLIENT_COUNTS:
            project = new_project(
                tmp_path / f"tutor-{count}", LMSAUTH_EXTRA_CLIENTS=extra_clients(count)
            )
            jobs = project.captured_scripts(["local", "do", "lmsauth-sync"])
            settings = project.lms_settings()
            clients = rendered_clients(settings)
            assert len(clients) == count
            cases.append((count, METHOD_OURS, sync_script(jobs), settings))
            cases.append((count, METHOD_PER_CLIENT, per_client_commands(clients), settings))
            secrets_by_count[count] = [client["client_secret"] for client in clients]

        # Untimed: the first boots warm the disk cache for every later one.
        for _, _, script, settings in cases[:2]:
            run_on_fresh_lms(script, settings, pristine, env, new_dir(tmp_path))
        # Round-robin, so that a change of load on the machine weighs on every case alike.
        results: dict[int, list[dict]] = {index: [] for index in range(len(cases))}
        for _ in range(runs):
            for index, (_, _, script, settings) in enumerate(cases):
                results[index].append(
                    run_on_fresh_lms(script, settings, pristine, env, new_dir(tmp_path))
                )

    rows = []
    for index, (count, method, _, _) in enumerate(cases):
        log = results[index][0]["log"]
        rows.append(
            {
                "count": count,
                "method": method,
                "boots": results[index][0]["boots"],
                # Best of the runs for wall time: other load on the machine only adds to it.
                "seconds": min(r["seconds"] for r in results[index]),
                "cpu": statistics.median(r["cpu"] for r in results[index]),
                "logged": sum(secret in log for secret in secrets_by_count[count]),
            }
        )

    print(f"Provisioning OAuth clients on the stand-in LMS ({runs} runs each, fresh DB each run)")
    print()
    print(
        f"{'clients':>7}  {'method':<38}  {'LMS boots':>9}  {'wall (best)':>11}  "
        f"{'CPU (median)':>12}  secrets in LMS log"
    )
    for row in rows:
        print(
            f"{row['count']:>7}  {row['method']:<38}  {row['boots']:>9}  {row['seconds']:>10.2f}s  "
            f"{row['cpu']:>11.2f}s  {row['logged']}/{row['count']}"
        )
    print()
    low, high = CLIENT_COUNTS
    for method in dict.fromkeys(row["method"] for row in rows):
        by_count = {row["count"]: row for row in rows if row["method"] == method}
        wall = by_count[high]["seconds"] / by_count[low]["seconds"]
        cpu = by_count[high]["cpu"] / by_count[low]["cpu"]
        line = f"{method}: {high} clients cost {wall:.2f}x wall, {cpu:.2f}x CPU of {low} client"
        if method == METHOD_OURS:
            verdict = "met" if max(wall, cpu) < TARGET else "MISSED"
            line += f" (target < {TARGET}x: {verdict})"
        print(line)


if __name__ == "__main__":
    main()
