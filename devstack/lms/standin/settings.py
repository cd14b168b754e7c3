"""Settings of the stand-in LMS, configured by STANDIN_LMS_* environment variables."""

import json
import os
from pathlib import Path

from standin.keys import signing_keys
from standin.tutor_settings import lmsauth_blocks

BASE_DIR = Path(__file__).resolve().parent.parent
# The LMS settings file Tutor rendered, as the LMS container mounts it.
_tutor_settings = os.environ.get("STANDIN_LMS_TUTOR_SETTINGS", "")
TUTOR_SETTINGS = Path(_tutor_settings) if _tutor_settings else None

DATABASE_PATH = Path(os.environ.get("STANDIN_LMS_DB", BASE_DIR / "standin.sqlite3")).resolve()
LMS_ROOT_URL = os.environ.get("STANDIN_LMS_URL", "http://localhost:8000").rstrip("/")

# A throwaway stand-in: fixed development secrets are fine, real ones never come here.
SECRET_KEY = "standin-lms-not-a-secret"
DEBUG = False
# It only ever listens on loopback, under whatever name the test or proxy uses.
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "common.djangoapps.student",
    "openedx.core.djangoapps.oauth_dispatch",
    "openedx.core.djangoapps.user_authn",
    "openedx.core.djangoapps.user_api",
    "standin",
]

MIDDLEWARE = [
    # First, as in the LMS: the client's address chain is read before anything rewrites it.
    "openedx.core.lib.x_forwarded_for.middleware.XForwardedForMiddleware",
    "standin.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "standin.urls"
WSGI_APPLICATION = "standin.wsgi.application"

# Each app's own templates/ folder; the pages know the request and the signed-in user.
_CONTEXT = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": _CONTEXT},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATABASE_PATH,
        # Several gunicorn threads and management commands share the file: a writer takes the
        # lock when its transaction begins, so it waits for another instead of failing with
        # "database is locked" when it would upgrade a read lock. A throwaway database: no
        # fsync at each commit (the LMS's MySQL commits in about a millisecond; SQLite's fsyncs,
        # tens of them per sign-in, would make the stand-in the bottleneck of every benchmark).
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA synchronous=OFF",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# django-ratelimit counts in this process's memory: the server runs a single worker process.
# (django_ratelimit is not an installed app, as in the LMS: its checks would ask for a shared
# cache.)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "openedx.core.djangoapps.user_authn.backends.EmailBackend",
]
# Test users get simple passwords; hashing cost is not what is being tested.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# The cookie names of the LMS, which a consumer app must not collide with.
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/dashboard"

# --- OAuth2 provider, as the LMS configures django-oauth-toolkit -------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_DEFAULT_SCOPES = {
    "read": "Read access",
    "write": "Write access",
    "email": "Know your email address",
    "profile": "Know your name and username",
}
_DISPATCH = "openedx.core.djangoapps.oauth_dispatch"
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": f"{_DISPATCH}.validators.EdxOAuth2Validator",
    "SCOPES_BACKEND_CLASS": f"{_DISPATCH}.scopes.ApplicationModelScopes",
    "SCOPES": {
        **OAUTH2_DEFAULT_SCOPES,
        "user_id": "Know your user identifier",
        "grades:read": "Retrieve your grades for your enrolled courses",
        "certificates:read": "Retrieve your course certificates",
    },
    "DEFAULT_SCOPES": list(OAUTH2_DEFAULT_SCOPES),
    "REQUEST_APPROVAL_PROMPT": "auto_even_if_expired",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 36000,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 7776000,
    "ROTATE_REFRESH_TOKEN": True,
}

_private_key_pem, _public_jwk_set = signing_keys(
    TUTOR_SETTINGS,
    os.environ.get("STANDIN_LMS_JWT_PRIVATE_KEY", ""),
    DATABASE_PATH.with_name(DATABASE_PATH.name + ".jwt-key.pem"),
)
JWT_AUTH = {
    "JWT_ISSUER": LMS_ROOT_URL + "/oauth2",
    "JWT_AUDIENCE": "openedx",
    "JWT_SECRET_KEY": os.environ.get(
        "STANDIN_LMS_JWT_SECRET_KEY", "standin-lms-jwt-secret-not-for-production"
    ),
    "JWT_ALGORITHM": "HS256",
    "JWT_SIGNING_ALGORITHM": "RS512",
    "JWT_PRIVATE_SIGNING_KEY": _private_key_pem,
    "JWT_PUBLIC_SIGNING_JWK_SET": json.dumps(_public_jwk_set),
    "JWT_SUPPORTED_VERSION": "1.2.0",
}
JWT_ACCESS_TOKEN_EXPIRE_SECONDS = 3600

# The LMS's limit of its token endpoint per client address (django-ratelimit's syntax); a
# rendered lmsauth block below may change it, as a Tutor settings patch would.
RATELIMIT_ENABLE = True
RATELIMIT_RATE = "120/m"
# edx_django_utils.ip: no trusted header, the rightmost public address of the chain.
CLOSEST_CLIENT_IP_FROM_HEADERS = []

# --- Lists that Tutor plugins extend, defined before the rendered block runs -------------------
LOGIN_REDIRECT_WHITELIST = []
IDA_LOGOUT_URI_LIST = []
CORS_ORIGIN_WHITELIST = []
CSRF_TRUSTED_ORIGINS = []
FEATURES = {}

if TUTOR_SETTINGS:
    for _block in lmsauth_blocks(TUTOR_SETTINGS):
        exec(_block, globals())

REQUEST_LOG_PATH = os.environ.get("STANDIN_LMS_REQUEST_LOG", "")

_log_path = os.environ.get("STANDIN_LMS_LOG", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(process)d [%(name)s] %(message)s"},
    },
    "handlers": {
        "main": (
            {"class": "logging.FileHandler", "filename": _log_path, "formatter": "plain"}
            if _log_path
            else {"class": "logging.StreamHandler", "formatter": "plain"}
        ),
    },
    "root": {"handlers": ["main"], "level": "INFO"},
}
