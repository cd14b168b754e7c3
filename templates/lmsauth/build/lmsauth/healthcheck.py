"""Docker HEALTHCHECK: GET /healthz on the local server, as a request for the public host."""

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

# The server's own address (gunicorn's bind), asked for the host the app answers to.
address = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")
host = urlsplit(os.environ.get("LMSAUTH_PUBLIC_URL", "http://localhost")).netloc
request = urllib.request.Request(f"http://{address}/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except (OSError, urllib.error.HTTPError):
    sys.exit(1)
