"""Duration of the launch rehearsal, on a fresh image cache or on the kept one.

    python bench/launch.py [--fresh]

Times the stand-in images and examples/jupyterhub's (`python -m devstack.launch.standin_images`:
debootstrap and builds on a fresh cache, a digest check per image otherwise), then the
rehearsal's tests (`pytest -m launch tests/launch`: `tutor local launch` with the declared hub,
sign-ins to the app and the hub, sync, stop, MySQL mode).
With --fresh, both run on a new, empty cache folder, removed afterwards.
Target: the cached run (images and tests) well under 10 minutes on 2 cores.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devstack.launch import host
from devstack.paths import REPO


def timed(label: str, command: list[str], env: dict[str, str]) -> float:
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{label} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    print(f"{label:<40} {seconds:7.1f} s", flush=True)
    return seconds


def run(env: dict[str, str]) -> None:
    images = timed("stand-in images", [sys.executable, "-m", "devstack.launch.standin_images"], env)
    tests = timed(
        "pytest -m launch tests/launch",
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "launch"]
        + ["tests/launch"],
        env,
    )
    print(f"{'total':<40} {images + tests:7.1f} s (target: well under 600 s cached)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="start from an empty image cache")
    fresh = parser.parse_args().fresh
    print(f"launch rehearsal, {'fresh' if fresh else 'kept'} image cache, {os.cpu_count()} CPUs")
    if not fresh:
        run(dict(os.environ))
        return
    with tempfile.TemporaryDirectory(prefix="lmsauth-launch-bench-") as cache:
        os.environ["LMSAUTH_LAUNCH_CACHE"] = cache
        try:
            run(dict(os.environ))
        finally:
            # Podman's storage holds root-owned layers and a mount of its own: empty this one
            # storage through podman (never `system reset`: networks are machine-wide).
            env = host.environment()
            for command in (["rm", "--all", "--force"], ["rmi", "--all", "--force"]):
                subprocess.run(["podman", *command], env=env, capture_output=True)
            subprocess.run(["umount", str(Path(cache, "storage", "overlay"))], capture_output=True)


if __name__ == "__main__":
    main()
