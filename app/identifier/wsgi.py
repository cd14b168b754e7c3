"""WSGI entry point: `gunicorn -c gunicorn.conf.py identifier.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

from identifier.environment import load_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "identifier.settings")
load_or_exit()
application = get_wsgi_application()
