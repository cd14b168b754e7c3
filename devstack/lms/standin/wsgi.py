"""WSGI entry point of the stand-in LMS (served by gunicorn in tests)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "standin.settings")

application = get_wsgi_application()
