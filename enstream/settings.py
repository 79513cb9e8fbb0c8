"""Settings for the EnStream portal, read from the environment.

With no environment at all the portal runs on its embedded defaults (SQLite, a file-system
Celery broker, a local KEK file), so a fresh clone just runs. docs/configuration.md lists
every variable.
"""

import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from enstream.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ENSTREAM_DATA_DIR") or BASE_DIR / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    # The embedded default keeps one random key per checkout so sessions survive restarts.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ENSTREAM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The admin site, behind the second factor (enstream/accounts/admin_site.py).
    "enstream.accounts.admin_config.EnStreamAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "axes",
    "simple_history",
    "enstream.accounts",
    "enstream.audit",
    "enstream.keystore",
    "enstream.portal",
    "enstream.apikeys",
    "enstream.webhooks",
    "issuers",
    "mno",
    "provisioning",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "enstream.audit.middleware.AuditContextMiddleware",
    "enstream.accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "enstream.urls"
WSGI_APPLICATION = "enstream.wsgi.application"

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
                "enstream.portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("ENSTREAM_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side binding lets psycopg prepare the statements a process runs again and again
    # (after `prepare_threshold` runs), so PostgreSQL stops planning them: for the job
    # engine's joins the planning cost more than the query. Turn it off behind a PgBouncer in
    # transaction mode older than 1.21 (prepared statements would not follow the session).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": env_bool("ENSTREAM_DB_PREPARED_STATEMENTS", True),
        "prepare_threshold": 5,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker share the file: wait for locks instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("ENSTREAM_CACHE_PREFIX", "enstream"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# PCI DSS 8.2.8: an idle session ends after 15 minutes; every request slides the window.
SESSION_COOKIE_AGE = env_int("ENSTREAM_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# PCI DSS 8.3.4: lock the user id (not only the address) after repeated failures.
AXES_FAILURE_LIMIT = env_int("ENSTREAM_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("ENSTREAM_LOCKOUT_MINUTES", 30) / 60
ENSTREAM_PASSWORD_RESET_MAILS_PER_HOUR = env_int("ENSTREAM_PASSWORD_RESET_MAILS_PER_HOUR", 3)
# Lock a user id after N failures from anywhere, and an address after N failures on any ids.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "enstream.accounts.views.locked_out"
# Wrong second-factor codes count too; never keep what was typed in axes' attempt log.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

OTP_TOTP_ISSUER = "EnStream"
ENSTREAM_TOTP_ISSUER = env_str("ENSTREAM_TOTP_ISSUER", "EnStream")
ENSTREAM_INVITATION_DAYS = env_int("ENSTREAM_INVITATION_DAYS", 7)

EMAIL_BACKEND = env_str("ENSTREAM_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("ENSTREAM_FROM_EMAIL", "portal@enstream.example")
EMAIL_HOST = env_str("ENSTREAM_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ENSTREAM_EMAIL_PORT", 25)

LANGUAGE_CODE = "en-ca"
TIME_ZONE = env_str("ENSTREAM_TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ENSTREAM_STATIC_ROOT") or BASE_DIR / "staticfiles")
# WhiteNoise looks here even with DEBUG on, and warns on every start when it is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Keystore: the key encryption key that wraps every data key.
ENSTREAM_KEK_BACKEND = env_choice("ENSTREAM_KEK_BACKEND", "file", ("file", "pkcs11"))
ENSTREAM_KEK_FILE = Path(env_str("ENSTREAM_KEK_FILE") or DATA_DIR / "kek.json")
ENSTREAM_PKCS11_MODULE = env_str("ENSTREAM_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
ENSTREAM_PKCS11_TOKEN = env_str("ENSTREAM_PKCS11_TOKEN", "enstream")
ENSTREAM_PKCS11_PIN = env_str("ENSTREAM_PKCS11_PIN")
ENSTREAM_PKCS11_KEK_LABEL = env_str("ENSTREAM_PKCS11_KEK_LABEL", "enstream-kek")
# Look-ups by card number use a keyed hash whose key is not the KEK (PCI DSS 3.5.1.1).
ENSTREAM_LOOKUP_HASH_KEY = env_str("ENSTREAM_LOOKUP_HASH_KEY")

# Celery: JSON only, and defaults for long jobs: a task is acknowledged when it is done and
# given back to the queue if its worker dies, and a worker holds one task at a time.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis gives an unacknowledged task to another worker after this long. It must outlast
    # the longest countdown the engine sets (a retry's backoff, a simulated network's
    # latency: minutes) or such a task would run twice; the engine tolerates that, but
    # each duplicate costs a lease claim and a re-read.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("ENSTREAM_BROKER_VISIBILITY_SECONDS", 3600)
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or REDIS_URL or None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("ENSTREAM_CELERY_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
CELERY_BEAT_SCHEDULE["apikeys.purge_idempotency_records"] = {
    "task": "enstream.apikeys.tasks.purge_idempotency_records",
    "schedule": 3600,
    "options": {"expires": 3000},
}
CELERY_BEAT_SCHEDULE["webhooks.requeue_webhook_deliveries"] = {
    "task": "enstream.webhooks.tasks.requeue_webhook_deliveries",
    "schedule": 300,
    "options": {"expires": 240},
}
CELERY_BEAT_SCHEDULE["webhooks.expire_webhook_secrets"] = {
    "task": "enstream.webhooks.tasks.expire_webhook_secrets",
    "schedule": 3600,
    "options": {"expires": 3000},
}
# Billing: yesterday's SSD snapshot just after midnight; last month's drafts on the 2nd, for
# finance to review and issue (docs/billing.md).
CELERY_BEAT_SCHEDULE["billing.snapshot_usage"] = {
    "task": "billing.tasks.snapshot_usage",
    "schedule": crontab(minute=5, hour=0),
    "options": {"expires": 3000},
}
CELERY_BEAT_SCHEDULE["billing.close_previous_month"] = {
    "task": "billing.tasks.close_previous_month",
    "schedule": crontab(minute=0, hour=3, day_of_month=2),
    "options": {"expires": 6 * 3600},
}
# Audit: walk the hash chain nightly; a break is logged at ERROR (docs/operations.md).
CELERY_BEAT_SCHEDULE["audit.verify_audit_chain"] = {
    "task": "enstream.audit.tasks.verify_audit_chain",
    "schedule": crontab(minute=30, hour=2),
    "options": {"expires": 6 * 3600},
}
# Provisioning jobs live in the database; this re-sends the task of any job left unattended
# (a lost task, a killed worker, an overdue answer). docs/provisioning.md.
CELERY_BEAT_SCHEDULE["provisioning.redrive"] = {
    "task": "provisioning.tasks.redrive",
    "schedule": env_int("PROVISIONING_REDRIVE_SECONDS", 30),
    "options": {"expires": max(env_int("PROVISIONING_REDRIVE_SECONDS", 30) - 5, 1)},
}

# API platform: keys, rate limits, idempotency, webhooks (docs/api.md).
# The pepper keyed into every API key hash; unset, a 0600 file in ENSTREAM_DATA_DIR.
ENSTREAM_API_KEY_PEPPER = env_str("ENSTREAM_API_KEY_PEPPER")
ENSTREAM_API_RATE_LIMIT = env_str("ENSTREAM_API_RATE_LIMIT", "120/minute")
ENSTREAM_TRUSTED_PROXIES = env_list("ENSTREAM_TRUSTED_PROXIES", [])
ENSTREAM_IDEMPOTENCY_DAYS = env_int("ENSTREAM_IDEMPOTENCY_DAYS", 7)
ENSTREAM_WEBHOOK_MAX_ATTEMPTS = env_int("ENSTREAM_WEBHOOK_MAX_ATTEMPTS", 12)
ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS = env_int("ENSTREAM_WEBHOOK_RETRY_BASE_SECONDS", 30)
ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES = env_int("ENSTREAM_WEBHOOK_DISABLE_AFTER_FAILURES", 10)
ENSTREAM_WEBHOOK_DISABLE_AFTER_DAYS = env_int("ENSTREAM_WEBHOOK_DISABLE_AFTER_DAYS", 3)
ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK = env_bool("ENSTREAM_WEBHOOK_ALLOW_HTTP_LOOPBACK", DEBUG)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # An API key first; a portal session only past the second factor (docs/api.md).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "enstream.api.authentication.ApiKeyAuthentication",
        "enstream.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["enstream.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "EXCEPTION_HANDLER": "enstream.api.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EnStream API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DESCRIPTION": "Provision payment cards onto SIM secure elements on every network of your "
    "agreement. Guide, errors, idempotency, rate limits and webhooks: docs/api.md.",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Credentials and jobs both have a `state` (and jobs a `kind`, as price-plan charges do).
    "ENUM_NAME_OVERRIDES": {
        "CredentialStateEnum": "provisioning.models.CredentialState",
        "JobStateEnum": "provisioning.models.JobState",
        "JobKindEnum": "provisioning.models.JobKind",
        "KindEnum": "billing.pricing.ChargeKind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "enstream.api.schema.add_error_responses",
    ],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("ENSTREAM_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("ENSTREAM_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

DEFAULT_EXCEPTION_REPORTER_FILTER = "enstream.redaction.RedactingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "enstream.redaction.RedactingExceptionReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "enstream.redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": env_str("ENSTREAM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
