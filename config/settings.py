"""Settings for the plan tracker.

One module, driven by environment variables. The defaults are for a developer's first run:
SQLite in the checkout, DEBUG on. Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config import directory

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(int(default))).lower() in ("1", "true", "yes", "on")


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "import_export",
    "simple_history",
    "audit",
    # django-axes under a Japanese name in the admin ("ログインの試行と締め出し").
    "accounts.apps.LoginAttemptsConfig",
    "accounts",
    # Before reviews: its post_migrate gives the administrators' group this app's permissions.
    "notifications",
    "plan",
    "initiatives",
    "onboarding",
    "reviews",
    "caching",
    "background",
    "django_tasks",
    # django-tasks' database backend under a Japanese name in the admin ("ワーカーの実行記録").
    "background.apps.TaskRecordsConfig",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session and CSRF middleware, so that it sees the cookies they set.
    "config.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who and from where, for the audit trail and the change histories of steps not handed the request.
    "audit.middleware.CurrentRequestMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # Reads of the public pages and the dashboard from the replica, where DATABASE_REPLICA_URL sets one.
    "config.replica.ReplicaReadsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the flag a refused log-in left on the request and answers with the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plan.context_processors.city",
                "notifications.context_processors.unread",
            ],
            "builtins": ["plan.templatetags.fiscal_years"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Production keeps each worker's database connection open between requests (CONN_MAX_AGE seconds, 60 by
# default with DEBUG off) and checks it before reusing it, so that a restarted PostgreSQL costs no failed
# request. The development server opens one per request, as Django does by default.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Django reads .iterator() (the choices of every select box) through a server-side cursor WITH HOLD:
    # three round trips for a list of ten. Plain queries instead; this also lets PgBouncer sit in front.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A read replica of PostgreSQL for the pages that only read (config/replica.py): DATABASE_REPLICA_URL.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # The tests read the replica as the primary itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A writing transaction takes the database's write lock when it begins, not at its first write: two
    # saves then queue up (for up to 20 s) instead of one failing with "database is locked" midway.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Pages whose data changes only when something is saved or published are kept in Django's cache (caching/):
# by default in the database (the table django_cache, made by migrate), which every server of the
# application shares; CACHE_URL=redis://host:6379/0 (Valkey or Redis) moves it to a cache server.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "valkey://", "valkeys://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL.replace("valkey", "redis", 1),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "jouhouka"),
        }
    }
elif CACHE_URL:
    raise RuntimeError("CACHE_URL must be a redis:// or valkey:// address, or empty for the database cache.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", 20000))},
        }
    }
# Long work (report files, publication, large imports) runs in the task worker: `manage.py db_worker`,
# started by `make run`, one or more per machine in production. TASKS_IMMEDIATE=1 runs each task at once
# inside the request instead (the tests do; no worker needed, nothing in the background).
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if env_bool("TASKS_IMMEDIATE", False)
        else "django_tasks_db.DatabaseBackend",
    }
}

# How long a cached page may live even if nothing changes (seconds); a change ends it at once.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", 24 * 60 * 60))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese first; English is the second language.
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded plan spreadsheets wait here between preview and confirmation.
IMPORT_STAGING_DIR = Path(os.environ.get("IMPORT_STAGING_DIR", BASE_DIR / "var" / "imports"))

# Limits on an uploaded workbook, checked before openpyxl reads it: openpyxl itself checks no sizes.
SPREADSHEET_MAX_BYTES = int(os.environ.get("SPREADSHEET_MAX_BYTES", 5 * 1024 * 1024))
SPREADSHEET_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("SPREADSHEET_MAX_UNCOMPRESSED_BYTES", 50 * 1024 * 1024)
)
SPREADSHEET_MAX_RATIO = int(os.environ.get("SPREADSHEET_MAX_RATIO", 100))
SPREADSHEET_MAX_ENTRIES = int(os.environ.get("SPREADSHEET_MAX_ENTRIES", 500))
DATA_UPLOAD_MAX_MEMORY_SIZE = SPREADSHEET_MAX_BYTES + 1024 * 1024

# A PDF made on request runs in a child process with these bounds (reviews/report_files.py): a report too
# large for them is refused with a message rather than holding a web worker.
REPORT_PDF_TIMEOUT = float(os.environ.get("REPORT_PDF_TIMEOUT", 60))
# The worklist shows this many entries a page (a plan of hundreds of initiatives is not one page of HTML).
WORKLIST_PER_PAGE = int(os.environ.get("WORKLIST_PER_PAGE", 50))
# Rows a page of the public plan table, the dashboard's matrix and the report's table show; the whole is
# always one click away as a file.
PLAN_TABLE_PER_PAGE = int(os.environ.get("PLAN_TABLE_PER_PAGE", 50))
DASHBOARD_PER_PAGE = int(os.environ.get("DASHBOARD_PER_PAGE", 50))
REPORT_PER_PAGE = int(os.environ.get("REPORT_PER_PAGE", 50))
REPORT_PDF_MAX_MEMORY = int(os.environ.get("REPORT_PDF_MAX_MEMORY_MB", 2048)) * 1024 * 1024
REPORT_PDF_MAX_BYTES = int(os.environ.get("REPORT_PDF_MAX_MB", 50)) * 1024 * 1024
# A longer report's PDF is laid out in pieces of this many rows, this many at a time (reviews.report_files).
REPORT_PDF_PART_ROWS = int(os.environ.get("REPORT_PDF_PART_ROWS", 200))
REPORT_PDF_PROCESSES = int(os.environ.get("REPORT_PDF_PROCESSES", os.cpu_count() or 1))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:cycle_list"
LOGOUT_REDIRECT_URL = "initiatives:home"

# Axes first: it refuses a locked-out user or address before any password is checked. The city's backend
# refuses development accounts outside development (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.CityModelBackend",
]
# Log-in with the city's directory (Active Directory or OpenLDAP), only where LDAP_SERVER_URI is set
# (config/directory.py, reviews/directory.py): after the local accounts, so that they never wait on the
# directory, and after axes, which counts and locks out directory log-ins as it does local ones. Without it,
# neither django-auth-ldap nor python-ldap is imported.
LDAP_ROLE_GROUPS = {}
if directory.is_enabled(os.environ):
    globals().update(directory.directory_settings(os.environ))
    AUTHENTICATION_BACKENDS.append("reviews.directory.DirectoryBackend")
# The accounts that create_dev_users makes, with their published passwords, log in only where DEBUG is on.
# Deliberately not an environment variable: production cannot switch it on.
DEVELOPMENT_ACCOUNTS_CAN_LOG_IN = DEBUG

# Log-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords within LOGIN_LOCKOUT_MINUTES,
# both the user name and the address they came from are locked out for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 30)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success does not wipe the count: it would wipe an attacker's failures against the same user name too.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429
# Behind N reverse proxies the client's address is the Nth from the right of X-Forwarded-For (each proxy
# appends the address it saw). 0: REMOTE_ADDR, and X-Forwarded-For is ignored, since anyone can send it.
REVERSE_PROXY_COUNT = int(os.environ.get("REVERSE_PROXY_COUNT", 0))

# A session ends after SESSION_IDLE_TIMEOUT minutes without a request, and SESSION_ABSOLUTE_TIMEOUT minutes
# after log-in whatever happens (accounts/middleware.py). Closing the browser ends it too: the city's PCs
# are shared.
SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_TIMEOUT", 30)))
SESSION_ABSOLUTE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 8 * 60)))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Mail: only where the city's mail server is configured. Password reset pages exist only then.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A mail server that does not answer fails the send after this many seconds instead of holding it.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")
PASSWORD_RESET_ENABLED = bool(EMAIL_HOST)
# Notifications (notifications/) go by e-mail too where a mail server is set; development without one
# prints each e-mail on the console instead, and production without one sends none (the notices stay in
# the application, marked so).
NOTIFICATION_EMAILS = bool(EMAIL_HOST) or DEBUG
if not EMAIL_HOST and DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The address users open the application at: the links in e-mails start with it.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
# Reminders of a survey's due date (manage.py send_reminders) go out this many days before it, and on it.
REMINDER_DAYS_BEFORE = int(os.environ.get("REMINDER_DAYS_BEFORE", 3))
NOTIFICATIONS_PER_PAGE = int(os.environ.get("NOTIFICATIONS_PER_PAGE", 50))

# HTTPS: on by default in production, behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
# HTTPS=0 is for a plain-HTTP closed segment: no redirect, no HSTS, cookies also sent over HTTP.
HTTPS = env_bool("HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One record, one line: a value with a line break or a control character cannot forge a line.
    "formatters": {
        "one_line": {
            "class": "audit.log_lines.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "one_line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Axes announces its version at every start; its failures and lock-outs are warnings.
        "axes.apps": {"level": "WARNING"},
    },
}
