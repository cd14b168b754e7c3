"""JupyterHub that signs people in through the Open edX LMS, configured by the environment only.

oauthenticator's GenericOAuthenticator reads the OAuth client and the LMS's URLs itself:
OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CALLBACK_URL, OAUTH2_AUTHORIZE_URL (the LMS as
browsers see it), OAUTH2_TOKEN_URL and OAUTH2_USERDATA_URL (server to server), and, if set,
OAUTH_LOGOUT_REDIRECT_URL. JupyterHub reads JPY_COOKIE_SECRET (64 hex digits). This file adds
the settings that have no variable of their own: HUB_BASE_URL (the path the hub is served
under, "/" on a host of its own) and HUB_SCOPES (the scopes to ask the LMS for).

The hub only signs people in: it starts no notebook server. What it writes (its SQLite
database, and its cookie secret when JPY_COOKIE_SECRET is not given) goes to the working
directory, /data in the image.
"""

import os

from jupyterhub.spawner import Spawner
from tornado import web

c = get_config()  # noqa: F821 (JupyterHub provides it to the file it loads)


class SignInOnly(Spawner):
    """A spawner with nothing to spawn: the hub's home page says so instead of starting one."""

    async def start(self):
        raise web.HTTPError(409, "This hub signs you in only; it has no notebook servers.")

    async def poll(self):
        return 0  # never running

    async def stop(self, now=False):
        return None


c.JupyterHub.authenticator_class = "generic-oauth"
# The LMS grants the scopes its application was registered with; without an explicit list it
# falls back to its own defaults.
c.GenericOAuthenticator.scope = os.environ.get("HUB_SCOPES", "user_id profile email").split()
# Whoever the LMS signs in may use the hub (oauthenticator lets nobody in by default).
c.GenericOAuthenticator.allow_all = True
# Straight to the LMS, without the hub's own "Sign in with ..." page.
c.Authenticator.auto_login = True
c.JupyterHub.base_url = os.environ.get("HUB_BASE_URL", "/")
# After signing in, the home page (showing who is signed in) rather than a server to spawn.
c.JupyterHub.redirect_to_server = False
c.JupyterHub.spawner_class = SignInOnly
