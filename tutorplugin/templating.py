"""What the plugin's templates and patches may call: its Jinja filters and variables.

Tutor's own filters serve too: `rsa_import_key` and `long_to_base64` render the app's JWT key
set (templates/lmsauth/apps/lmsauth.env) as Tutor core renders the LMS's.
"""

import hashlib
import pprint
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from . import clients, doctor, images, urls


def checksum(text: str) -> str:
    """sha256 of a rendered text: a pod annotation that changes when the text does."""
    return hashlib.sha256(text.encode()).hexdigest()


def url_part(text: str) -> str:
    """Percent-encode one component of a URL, `/` included.

    Jinja's `urlencode` keeps `/`, which would end the user:password part of a database URL.
    """
    return quote(str(text), safe="")


def python_literal(value: Any) -> str:
    """A Python expression for plain data (str, bool, list, dict), to write into settings files."""
    return pprint.pformat(value, width=100, sort_dicts=False)


FILTERS: list[tuple[str, Callable[..., Any]]] = [
    ("lmsauth_checksum", checksum),
    ("lmsauth_netloc", urls.netloc),
    ("lmsauth_pullable", images.is_pullable),
    ("lmsauth_python", python_literal),
    ("lmsauth_url_part", url_part),
]

VARIABLES: list[tuple[str, Any]] = [
    ("lmsauth_app_mounts", images.app_mounts),
    ("lmsauth_app_probes", doctor.APP_PROBES),
    ("lmsauth_front_channel_logout_path", urls.FRONT_CHANNEL_LOGOUT_PATH),
    ("lmsauth_oauth_clients", clients.template_oauth_clients),
]
