"""What Django's error reports (the LMSAUTH_DEBUG page among them) may show of a failure.

Django masks settings, request headers and cookies whose names look secret, but shows its
configuration object (the `CONFIG` dataclass), the database URL with its password, and every
local variable of the traceback (a user's tokens, the client secret being tried) in clear.
"""

import dataclasses
import re

from django.views.debug import SafeExceptionReporterFilter


class SecretsFilter(SafeExceptionReporterFilter):
    # Django's names, and the database URL (it holds the MySQL password).
    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL", flags=re.I
    )

    def cleanse_setting(self, key, value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            # Shown as a mapping of its fields, masked by name like a dictionary's keys.
            value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
        return super().cleanse_setting(key, value)

    def get_traceback_frame_variables(self, request, tb_frame):
        """Local variables are masked by name like settings (token, secret, password, ...)."""
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleanse_setting(name, value)) for name, value in variables]
