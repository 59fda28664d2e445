"""Settings read from the environment. Safe defaults: DEBUG off, SQLite under var/, secrets never in the repo."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ABONENT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_pairs(name: str) -> dict[str, str]:
    """`a=1,b=2` → {"a": "1", "b": "2"}; an item without `=` is a mistake and stops the start."""
    pairs = {}
    for item in env_list(name, ""):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{name}: expected name=value items separated by commas, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def env_secret(name: str) -> str | None:
    """A secret from the variable NAME, or from the file named by NAME_FILE (systemd credentials, a vault
    agent), or None when neither is set."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return None


def _secret_key() -> str:
    """SECRET_KEY from the environment, a file, or one generated once for this installation (into
    SECRET_KEY_FILE when it names a file not yet there, else under var/)."""
    key_file = Path(os.environ.get("SECRET_KEY_FILE", VAR_DIR / "secret_key"))
    if not os.environ.get("SECRET_KEY") and not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return env_secret("SECRET_KEY") or key_file.read_text().strip()


def _secret_key_fallbacks() -> list[str]:
    """Former keys still accepted for signatures during a planned rotation of SECRET_KEY (sessions and links in
    letters already sent stay valid): SECRET_KEY_FALLBACKS (separated by commas or spaces) or
    SECRET_KEY_FALLBACKS_FILE (one key a line). Remove a key once its sessions and links have expired."""
    return (env_secret("SECRET_KEY_FALLBACKS") or "").replace(",", " ").split()


SECRET_KEY = _secret_key()
SECRET_KEY_FALLBACKS = _secret_key_fallbacks()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The address customers reach the system at, for links in e-mails sent by background tasks (no request there).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "crontask",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "abonent.core",
    "abonent.users",
    "abonent.organisation",
    "abonent.calendar",
    "abonent.customers",
    "abonent.billing",
    "abonent.billing.payments",
    "abonent.appeals",
    "abonent.channels.email",
    "abonent.channels.post",
    "abonent.channels.in_person",
    "abonent.channels.phone",
    "abonent.channels.edo",
    "abonent.channels.portal",
    "abonent.notifications",
    "abonent.feedback",
    "abonent.portal",
    "abonent.reports",
    "abonent.privacy",
    "abonent.api",
    "abonent.site",
    "abonent.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
    # Security (docs/security.md): refusals logged, headers, session timeouts, the staff second factor, rate limits.
    "abonent.core.middleware.RefusedAccessLogMiddleware",
    "abonent.core.middleware.SecurityHeadersMiddleware",
    "abonent.core.middleware.SessionTimeoutMiddleware",
    "abonent.core.otp.StaffOTPMiddleware",
    "abonent.core.ratelimit.RateLimitMiddleware",
]

# Requests to the API that carry a token (abonent/wsgi.py) need none of the browser's middleware: no session,
# cookie, form token, language choice, second factor, message or htmx there; the login comes from the token
# (abonent.api.auth). They skip it and keep the rest, headers and logs alike; bench/RESULTS.md has the cost.
BROWSER_ONLY_MIDDLEWARE = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "abonent.core.middleware.SessionTimeoutMiddleware",
    "abonent.core.otp.StaffOTPMiddleware",
}
# ...except the login's, which the token's own takes the place of.
TOKEN_API_REPLACEMENTS = {"django.contrib.auth.middleware.AuthenticationMiddleware":
                          "abonent.api.middleware.AnonymousUntilToken"}
TOKEN_API_MIDDLEWARE = [TOKEN_API_REPLACEMENTS.get(path, path) for path in MIDDLEWARE
                        if path not in BROWSER_ONLY_MIDDLEWARE or path in TOKEN_API_REPLACEMENTS]

ROOT_URLCONF = "abonent.urls"
WSGI_APPLICATION = "abonent.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "abonent" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "abonent.core.context_processors.organisation",
                "abonent.portal.context.portal",
            ],
        },
    }
]

# --- Database: SQLite under var/ by default, DATABASE_URL for PostgreSQL ---
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "abonent.core.postgresql"  # small bulk inserts without UNNEST
    if pool_size := int(os.environ.get("DATABASE_POOL_SIZE", "0")):
        # psycopg's pool inside each process (Django 5.1+); persistent connections must then be off.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": pool_size,
                                                                  "timeout": 10}
    if env_bool("DATABASE_PGBOUNCER"):
        # PgBouncer in transaction mode: a cursor cannot outlive its transaction's server connection.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # Parameters bound by the server, and a statement prepared once it has run five times on a connection:
        # PostgreSQL then plans a registration's statements once, not every time (a quarter of its CPU per
        # appeal, bench/RESULTS.md). Prepared statements belong to a server connection, hence not via PgBouncer.
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "abonent.sqlite3"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

CACHES = {
    # A shared cache (rate limits, axes) across processes: the database by default, Redis at scale.
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "abonent_cache"}
    )
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "abonent.users.backends.CachedModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "abonent.core.passwords.ContextWordsValidator"},  # the system's, the supplier's, the city's names
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Brute force: lock the (username, user agent) pair and the address separately, for a short while,
# so an attacker cannot lock a real user out for long.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "7"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60
# Portal logins lock by username + address so a stranger cannot lock a real person out (portal/auth/lockout.py).
AXES_LOCKOUT_PARAMETERS = "abonent.portal.auth.lockout.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "abonent.core.http.client_ip"  # the same address as the rate limits see
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- Russian language, formats, the organisation's time zone ---
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Barnaul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "abonent" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if os.environ.get("S3_BUCKET"):
    # Stateless web nodes: attachments, scans and generated PDFs in S3-compatible storage. Credentials come
    # from boto3's usual sources (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a mounted profile).
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }

# --- Background work: django.tasks on the database by default ---
# Queues by kind of work, so each can get its own workers at scale (docs/deployment.md).
TASK_QUEUES = ["default", "intake", "notifications", "reports"]
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
                     "QUEUES": TASK_QUEUES}}
if TASKS["default"]["BACKEND"] == "rq":
    # At scale: RQ on Redis (django-tasks-rq); workers: manage.py rqworker --job-class django_tasks_rq.Job ...
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": TASK_QUEUES}}
    RQ_QUEUES = {name: {"URL": os.environ["REDIS_URL"]} for name in TASK_QUEUES}
    INSTALLED_APPS.append("django_rq")
CRONTASK = {"REDIS_URL": os.environ["REDIS_URL"]} if os.environ.get("REDIS_URL") else {}

# --- Mail (Django 6.1 MAILERS) ---
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "timeout": 30,
            },
        }
    }
else:
    # The embedded default has no mail server: outgoing mail is written to var/outbox as .eml files.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "outbox")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ServiceCenter-OPEYUL@bges.ru")

# --- Online payment (a YooKassa-style provider: redirect + webhook; see docs/payments.md) ---
PAYMENTS = {
    "API_URL": os.environ.get("PAYMENTS_API_URL", "http://127.0.0.1:8011/v3"),
    # Where the customer is sent to pay; the provider's confirmation pages may live on another host.
    "CHECKOUT_ORIGIN": os.environ.get("PAYMENTS_CHECKOUT_ORIGIN", "http://127.0.0.1:8011"),
    "SHOP_ID": os.environ.get("PAYMENTS_SHOP_ID", "demo-shop"),
    "SECRET_KEY": os.environ.get("PAYMENTS_SECRET_KEY", "demo-shop-secret"),
    "WEBHOOK_SECRET": os.environ.get("PAYMENTS_WEBHOOK_SECRET", "demo-webhook-secret"),
}

# --- Uploads ---
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Request bodies without files: the API carries attachments as base64 in JSON (4/3 of the file size).
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))

# --- Security headers ---
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    # The payment form redirects to the provider's checkout page; browsers apply form-action to that redirect.
    "form-action": [CSP.SELF, PAYMENTS["CHECKOUT_ORIGIN"]],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Nothing here uses the camera, the microphone, location, sensors, USB or the browser's payment API.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=()")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Messages in the session, not in a cookie of their own: the only cookies are the session's and CSRF's.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_HTTPONLY = True  # no script reads the token from the cookie: templates put it into forms and hx-headers
# An absolute limit from the login (enforced by abonent.core.middleware.SessionTimeoutMiddleware), and idle limits.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_ABSOLUTE_TIMEOUT = SESSION_COOKIE_AGE
SESSION_IDLE_TIMEOUT_STAFF = int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", "30")) * 60
SESSION_IDLE_TIMEOUT_PORTAL = int(os.environ.get("SESSION_IDLE_MINUTES_PORTAL", "60")) * 60
# Staff logins need the TOTP second factor (abonent.core.otp); off only for a demo without phones.
STAFF_OTP_REQUIRED = env_bool("STAFF_OTP_REQUIRED", True)
# Rate limits (abonent.core.ratelimit.RULES names → "count/period"); the API per token and wrong tokens per address.
# From the environment as `portal_signup=20/h,feedback_poll=50/10m` ("*" for every rule not named).
RATE_LIMITS: dict[str, str] = env_pairs("RATE_LIMITS")
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/m")
API_INVALID_TOKEN_LIMIT = os.environ.get("API_INVALID_TOKEN_LIMIT", "20/5m")
HTTPS = env_bool("HTTPS")
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: only over HTTPS, only for this host, path /; no subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

AUDITLOG_INCLUDE_ALL_MODELS = False

# Appeals: reminders to the executor and the head this many working days before the deadline.
APPEAL_REMINDER_WORKING_DAYS = int(os.environ.get("APPEAL_REMINDER_WORKING_DAYS", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # ISO 8601 local time with its UTC offset (ASVS 16.2.2), so records from several hosts compare.
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": os.environ.get("LOG_FORMAT", "plain")},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The scheduler's own heartbeat and lock renewal every few seconds are not news.
        "apscheduler": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Public site: proxies in front of the web nodes whose X-Forwarded-For is trusted (nginx: 1), the
# web reception's anti-spam limits, and when reference pages count as stale.
SITE_TRUSTED_PROXY_COUNT = int(os.environ.get("SITE_TRUSTED_PROXY_COUNT", "1" if HTTPS else "0"))
SITE_RECEPTION_MIN_SECONDS = int(os.environ.get("SITE_RECEPTION_MIN_SECONDS", "4"))
SITE_RECEPTION_PER_IP = int(os.environ.get("SITE_RECEPTION_PER_IP", "5"))
SITE_RECEPTION_PER_IP_WINDOW = int(os.environ.get("SITE_RECEPTION_PER_IP_WINDOW", "3600"))
SITE_STALE_AFTER_DAYS = int(os.environ.get("SITE_STALE_AFTER_DAYS", "90"))

# Demo data is refused on a production install unless asked for explicitly.
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", DEBUG)
