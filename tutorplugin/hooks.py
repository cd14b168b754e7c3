"""The plugin's own hooks, for other Tutor plugins.

Another plugin declares an app that signs in through the LMS in one line, when it is loaded:

    from tutorplugin.hooks import APPS
    APPS.add_item(("notebooks", {"image": "...", "host": "notebooks.{{ LMS_HOST }}", ...}))

The declaration has the shape of an LMSAUTH_APPS entry (see README, "Your own apps"); its string
values are rendered with the Tutor config, like settings. Disabling that plugin withdraws it.
"""

from typing import Any

from tutor.core.hooks import Filter
from tutor.types import Config

#: (app name, declaration) items; the operator's LMSAUTH_APPS entry of the same name wins.
APPS: Filter[list[tuple[str, dict[str, Any]]], [Config]] = Filter()
