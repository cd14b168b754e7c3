"""Rotating OAuth credentials without a failed sign-in.

- `bundled_secret`: the bundled app's client secret, in recorded phases (`rotate-secret`);
- `extra_credentials`: an extra client's id and secret, by overlapping two applications
  (`rotate-client`);
- `runners`: the Tutor commands both drive, for the runner the platform uses.
"""
