"""Tutor's compose files, translated for podman-compose into sibling files.

Two differences with Docker Compose matter to Tutor's files:
- the volume mode `roz` (read-only, SELinux label), which Docker reads and podman-compose
  rejects; podman-compose takes the same modes written `ro,z`;
- Docker Compose recreates a container when the content of its `env_file` changed (the file is
  part of the service's configuration), podman-compose only when the compose file changed. A
  label carrying a digest of the env files makes podman-compose see such a change too.
The sibling files sit next to the originals, so relative paths keep their meaning.
"""

import hashlib
from pathlib import Path

import yaml

ENV_DIGEST_LABEL = "org.lmsauth.launch.env-file-digest"


def _volume(volume):
    if isinstance(volume, str) and volume.endswith(":roz"):
        return volume[: -len("roz")] + "ro,z"
    return volume


def _env_digest(folder: Path, env_file) -> str:
    entries = env_file if isinstance(env_file, list) else [env_file]
    digest = hashlib.sha256()
    for entry in entries:
        relative = entry["path"] if isinstance(entry, dict) else entry
        path = folder / relative
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def translate(path: Path) -> Path:
    """Write the podman-compose version of one compose file; return its path."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for service in (data.get("services") or {}).values():
        if service.get("volumes"):
            service["volumes"] = [_volume(volume) for volume in service["volumes"]]
        if service.get("env_file"):
            label = f"{ENV_DIGEST_LABEL}={_env_digest(path.parent, service['env_file'])}"
            labels = service.setdefault("labels", [])
            if isinstance(labels, dict):
                labels[ENV_DIGEST_LABEL] = label.split("=", 1)[1]
            else:
                labels.append(label)
    sibling = path.with_name(f".{path.stem}.podman{path.suffix}")
    sibling.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return sibling


def service_names(path: Path) -> list[str]:
    return list((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("services") or {})


def translate_arguments(compose_args: list[str]) -> list[str]:
    """The compose arguments with every `-f FILE` replaced by its translation."""
    translated = list(compose_args)
    for index, arg in enumerate(compose_args[:-1]):
        if arg in ("-f", "--file"):
            translated[index + 1] = str(translate(Path(compose_args[index + 1])))
    return translated
