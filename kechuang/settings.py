"""Kechuang settings. Everything that differs between machines comes from environment variables
(see `.env.example`); the defaults give the embedded SQLite demo on 127.0.0.1."""

import importlib.util
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)  # first: everything below may come from .env
VAR_DIR = Path(env.str("KECHUANG_VAR_DIR", default=str(BASE_DIR / "var")))

# "demo" (default: local demo and development) or "production" (HTTPS, secure cookies, HSTS).
KECHUANG_ENV = env.str("KECHUANG_ENV", default="demo")
PRODUCTION = KECHUANG_ENV == "production"

DEBUG = env.bool("KECHUANG_DEBUG", default=False)
if PRODUCTION:
    SECRET_KEY = env.str("KECHUANG_SECRET_KEY")  # required: no default in production
else:
    SECRET_KEY = env.str(
        "KECHUANG_SECRET_KEY", default="demo-only-secret-key-not-for-production-use-0123456789"
    )
ALLOWED_HOSTS = env.list("KECHUANG_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("KECHUANG_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "kechuang.core",  # first, so its changepassword command (audited) replaces Django's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "ninja",
    "kechuang.imports",
    "kechuang.programmes",
    "kechuang.rnd",
    "kechuang.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kechuang.core.middleware.SessionLifetimeMiddleware",
    "kechuang.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kechuang.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kechuang.core.middleware.PasswordExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kechuang.urls"
WSGI_APPLICATION = "kechuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kechuang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kechuang.core.context_processors.kechuang",
            ],
            "builtins": ["kechuang.core.templatetags.units", "template_partials.templatetags.partials"],
        },
    }
]

# --- database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kechuang.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; IMMEDIATE avoids "database is locked" upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        # Seconds a write waits for another writer (SQLite's busy timeout); past it the page answers 503
        # "系统繁忙" and nothing is saved (kechuang.core.errors).
        "timeout": env.float("KECHUANG_SQLITE_BUSY_SECONDS", default=20),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts and security (等保 2.0 二级) ----------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "kechuang.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "kechuang.core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
if PRODUCTION:  # the published demo password is never accepted in production (kechuang/core/production.py)
    AUTH_PASSWORD_VALIDATORS.append({"NAME": "kechuang.core.production.DemoPasswordValidator"})
# Days before a password must be changed; 0 turns expiry off (the demo keeps it off).
PASSWORD_MAX_AGE_DAYS = env.int("KECHUANG_PASSWORD_MAX_AGE_DAYS", default=90 if PRODUCTION else 0)

# Idle timeout: the cookie lives SESSION_COOKIE_AGE seconds after the last request.
SESSION_COOKIE_AGE = env.int("KECHUANG_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Absolute lifetime, whatever the activity (checked by SessionLifetimeMiddleware).
SESSION_ABSOLUTE_SECONDS = env.int("KECHUANG_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: 5 consecutive failures for one username from one IP lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("KECHUANG_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("KECHUANG_LOCKOUT_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("KECHUANG_PROXY_COUNT", default=0)
# Lockout and the audit log must agree on who the client is (behind a proxy: X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "kechuang.core.middleware.client_ip"
AXES_VERBOSE = False
# Per client IP, whatever the username (one client trying many names): failed logins and bad API tokens
# within the lockout period above; attempt N+1 is refused (kechuang/core/throttle.py).
KECHUANG_LOGIN_IP_FAILURE_LIMIT = env.int("KECHUANG_LOGIN_IP_FAILURE_LIMIT", default=30)
KECHUANG_TOKEN_IP_FAILURE_LIMIT = env.int("KECHUANG_TOKEN_IP_FAILURE_LIMIT", default=30)

# Audit rows are kept at least this many days (184 at the least: core.E003 refuses less); older rows may
# be pruned by an auditor (`kechuang audit_prune`), which is itself audited.
AUDIT_RETENTION_DAYS = env.int("KECHUANG_AUDIT_RETENTION_DAYS", default=184)

CSRF_FAILURE_VIEW = "kechuang.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): scripts only from this site's own static files, no inline
# script and no eval; page behaviour lives in static JS (core/static/kechuang/kechuang.js). Charts read
# their data from <script type="application/json"> blocks, which are data, not script. Styles allow
# inline attributes and the <style> elements plotly.js adds while drawing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("KECHUANG_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("KECHUANG_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- i18n: Simplified Chinese first, English available ---------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kechuang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files: all served locally (no CDN) ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("KECHUANG_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
# Charts: plotly.js as shipped inside the plotly package, served locally as /static/plotly/plotly.min.js.
STATICFILES_DIRS = [("plotly", str(Path(importlib.util.find_spec("plotly").origin).parent / "package_data"))]  # type: ignore[arg-type, union-attr]
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- uploads: imports are capped here and again, more precisely, in kechuang.imports.guards -------
IMPORT_MAX_FILE_BYTES = env.int("KECHUANG_IMPORT_MAX_FILE_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("KECHUANG_IMPORT_MAX_UNCOMPRESSED_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_RATIO = env.int("KECHUANG_IMPORT_MAX_RATIO", default=100)
IMPORT_MAX_ZIP_ENTRIES = env.int("KECHUANG_IMPORT_MAX_ZIP_ENTRIES", default=1000)
IMPORT_MAX_ROWS = env.int("KECHUANG_IMPORT_MAX_ROWS", default=50_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- application attachments: stored under MEDIA_ROOT, served only through a permission check -----
ATTACHMENT_MAX_BYTES = env.int("KECHUANG_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)

# --- reminders: e-mail when an SMTP server is configured; group webhooks are set per county --------
EMAIL_BACKEND = env.str("KECHUANG_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("KECHUANG_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("KECHUANG_EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("KECHUANG_EMAIL_FROM", default="kechuang@localhost")
REMINDER_WEBHOOK_TIMEOUT = env.float("KECHUANG_WEBHOOK_TIMEOUT", default=5.0)
# Group robots may post only to these hosts (a webhook is staff-configured; this keeps it off the intranet).
REMINDER_WEBHOOK_HOSTS = env.list(
    "KECHUANG_WEBHOOK_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("KECHUANG_LOG_LEVEL", default="WARNING")},
}
