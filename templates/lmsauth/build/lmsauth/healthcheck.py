"""Docker HEALTHCHECK: GET /healthz on the local server, as a request for the public host."""

import os
import sys
import urllib.request
from urllib.parse import urlsplit

host = urlsplit(os.environ.get("LMSAUTH_PUBLIC_URL", "http://localhost")).netloc
request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
