"""Django settings for the identifier project.

Every value an operator may change comes from an LMSAUTH_* environment variable, read and checked
by `identifier.environment`; nothing here needs editing per deployment.
"""

import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from identifier import environment

try:
    CONFIG = environment.load()
except environment.ConfigError as error:
    raise ImproperlyConfigured(str(error)) from None

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = [CONFIG.public_host.split(":")[0]]
# The proxy may sit on any address; in path mode it strips the prefix and we add it back here.
FORCE_SCRIPT_NAME = CONFIG.script_name or None
USE_X_FORWARDED_HOST = CONFIG.trust_proxy
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if CONFIG.trust_proxy else None

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "profiles",
]

MIDDLEWARE = [
    # Before the probes, which then prompt it too on a site nobody visits.
    "profiles.session_cleanup.ExpiredSessionCleanup",
    # Probes answer before host validation: kubelet calls them by pod IP.
    "profiles.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Inside the middleware above, so that the page it puts in place of a 405 gets its header.
    "profiles.middleware.MethodNotAllowedMiddleware",
]

ROOT_URLCONF = "identifier.urls"
WSGI_APPLICATION = "identifier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "profiles.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers and threads share the file: WAL lets reads run beside a write, and
    # IMMEDIATE transactions queue writers instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["charset"] = "utf8mb4"
    try:
        import MySQLdb  # noqa: F401  (mysqlclient, if the image has it)
    except ImportError:
        import pymysql

        pymysql.install_as_MySQLdb()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The per-address sign-in counters, in the database that every worker and replica shares;
    # the migrations create the table. Room for many addresses: past MAX_ENTRIES, Django drops
    # expired counters first, then live ones.
    "rate_limits": {
        "BACKEND": "profiles.counters.CounterCache",
        "LOCATION": "lmsauth_rate_limits",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
RATELIMIT_USE_CACHE = "rate_limits"
# A counter that cannot be read must not lock everyone out: the sign-in needs the same database
# and fails there with its own page.
RATELIMIT_FAIL_OPEN = True

# Sessions live in the database: tokens stay server-side and every replica sees a sign-out.
# A session exists only once a sign-in starts (public pages write none); it lasts as long as
# the sign-in (10 minutes), then SESSION_COOKIE_AGE once signed in; expired ones are deleted
# by profiles.session_cleanup.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_NAME = "lmsauth_sessionid"
CSRF_COOKIE_NAME = "lmsauth_csrftoken"
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = (CONFIG.script_name or "") + "/"
SESSION_COOKIE_HTTPONLY = CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CONFIG.https
# Lax: sent on the top-level redirect back from the LMS and in the LMS's logout iframe as long as
# the app and the LMS are same-site (a subdomain of the LMS host, or a path under it).
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [CONFIG.public_origin]
CSRF_FAILURE_VIEW = "profiles.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS for the app's own host, without its subdomains (they are not the app's: it is often itself
# a subdomain of the LMS host). In path mode the host is the LMS's, whose policy it is.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if CONFIG.https and not CONFIG.script_name else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
# Debug pages (LMSAUTH_DEBUG) and error reports: mask the app's secrets and the users' tokens too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "identifier.error_reports.SecretsFilter"

LOGIN_URL = "profiles:login"
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# Absolute, with the path-mode prefix: Django would otherwise add the prefix only on requests
# served after start-up, and cache a prefix-less value first.
STATIC_URL = f"{CONFIG.script_name}/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve straight from the app's static folders too, so the app runs without collectstatic
# (STATIC_ROOT is then absent, which WhiteNoise would warn about at every start).
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "identifier.logs.JsonFormatter"}},
    "filters": {"one_warning_line": {"()": "identifier.logs.OneWarningLine"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": CONFIG.log_level},
    "loggers": {
        "django": {"level": CONFIG.log_level},
        # A request for another host is a client's mistake or a scanner, not an error here.
        "django.security.DisallowedHost": {"filters": ["one_warning_line"]},
        # Authlib logs the PKCE verifier at DEBUG; it is a credential.
        "authlib": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

LMSAUTH = CONFIG
