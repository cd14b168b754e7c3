"""The image's HEALTHCHECK: the hub answers its health URL through its proxy, on port 8000."""

import os
import sys
import urllib.request

url = "http://127.0.0.1:8000" + os.environ.get("HUB_BASE_URL", "/") + "hub/health"
# Straight to the container's own port, whatever proxy the environment names.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    with opener.open(url, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:
    sys.exit(f"{url}: {error}")
