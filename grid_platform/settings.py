"""Settings for the grid governance platform, driven by environment variables.

Defaults are safe for production (DEBUG off, secure cookies, HSTS); ``make run`` sets
``DEBUG=true`` for a local machine. Every variable is listed in README.md.
"""

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Personal data (ID numbers, phones) is encrypted with a key from the environment; the
# same secret keys the lookup hashes. Losing it makes stored ID numbers unreadable.
PERSONAL_DATA_KEY = env("PERSONAL_DATA_KEY", default="")
if not PERSONAL_DATA_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("PERSONAL_DATA_KEY must be set when DEBUG is off.")
    PERSONAL_DATA_KEY = "insecure-development-personal-data-key"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.forms",
    "guardian",
    "leaflet",
    "django_celery_beat",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "members",
    "grids",
    "incidents",
    "surveys",
    "dashboard",
    "assessment",
    "demo",
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
    "members.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.replica.PrimaryAfterWriteMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in with its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grid_platform.urls"
WSGI_APPLICATION = "grid_platform.wsgi.application"

# Widgets render through TEMPLATES, so that templates/ can override a package's widget
# templates (templates/leaflet/: django-leaflet's map tools in Chinese).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "incidents.context_processors.calendar_warning",
                "members.context_processors.workspace_nav",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# Default: an embedded SpatiaLite file. DATABASE_URL=postgis://user@host:5432/name
# switches to PostgreSQL with PostGIS.
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=f"spatialite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.spatialite":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
elif DATABASES["default"]["ENGINE"] == "django.contrib.gis.db.backends.postgis":
    # JIT compilation cost the dashboard's grouped queries 130-235 ms each for nothing:
    # the platform's queries are short and indexed (bench/dashboard.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_REPLICA_URL: a streaming replica (a PostgreSQL hot standby of the primary) for
# reads that may lag: dashboards, exports, public Open311 reads, survey results
# (core/replica.py). In tests it mirrors the default database.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL") | {
        key: DATABASES["default"][key]
        for key in ("OPTIONS", "ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")
        if key in DATABASES["default"]
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# A browser that wrote reads lagging pages from the primary for this long.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)
# GDAL 3.6 (Debian 12) cannot block file and network access from spatial references
# (gis.W001). The platform never builds a spatial reference from user input: geometries
# arrive as GeoJSON whose "crs" members are refused before GDAL sees them
# (grids.geojson), and every SRID in code is an integer constant.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
SPATIALITE_LIBRARY_PATH = env("SPATIALITE_LIBRARY_PATH", default="mod_spatialite")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

AUTHENTICATION_BACKENDS = [
    # First: django-axes refuses a locked-out account and address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): failures are counted per account and per client address
# in the shared cache (Redis), so every worker sees them; after AXES_FAILURE_LIMIT failures
# the account (from anywhere) and the address (for any account) are refused for
# AXES_COOLOFF_MINUTES, or until a platform administrator unlocks them (/members/accounts/
# unlock/, or manage.py axes_reset_username).
# Without Redis (the embedded set-up) the counters go to the database, which every local
# process shares too (django-axes refuses a file cache).
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if env("CACHE_URL", default=env("REDIS_URL", default=""))
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_CACHE = "default"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Two-factor sign-in (TOTP, django-otp) for the accounts that can reveal personal data or
# administer the platform: required when on (on in .env.example; off for development).
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=False)
OTP_TOTP_ISSUER = "网格化社会治理平台"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; object permissions only where granted.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
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

# --- Security (safe by default; DEBUG=true relaxes what needs HTTPS) -----------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Shared cache ------------------------------------------------------------------------
# Rate limits (and anything else counted in the cache) must be shared by every gunicorn
# worker and by every machine: on Redis whenever there is one. CACHE_URL defaults to
# REDIS_URL; give it its own database number in production if you like (the broker's keys
# and the cache's never collide: the cache's are prefixed).
CACHE_URL = env("CACHE_URL", default=env("REDIS_URL", default=""))
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "grid",
            # A cache that does not answer must not hang a request for long.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # The embedded set-up without any Redis: one file cache for all local processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
        }
    }

# Reverse proxies in front of the platform (a TLS proxy: 1). Each appends the address it
# received to X-Forwarded-For, so the client is that many entries from the right; with 0
# the header is ignored (REMOTE_ADDR is the client). Rate limits count per client address.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)

# --- Celery -----------------------------------------------------------------------------
# REDIS_URL selects Redis; without it a file-based Kombu transport under var/ keeps the
# embedded set-up self-contained (``make run`` starts its own redis-server when it can).
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = Path(env("BROKER_DIR", default=str(BASE_DIR / "var" / "broker")))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object]
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any task, so a slow task is not handed to a second worker.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Seconds between two escalation sweeps: how late at most an overdue case moves up.
ESCALATION_SWEEP_SECONDS = env.int("ESCALATION_SWEEP_SECONDS", default=60)
# The one place the periodic work is declared; django-celery-beat copies it into the
# database, where the admin can change it.
CELERY_BEAT_SCHEDULE = {
    "grid-assignments-expire": {
        "task": "members.tasks.grid_assignments_expire_task",
        "schedule": 600.0,
    },
    "incidents-escalate-overdue": {
        "task": "incidents.tasks.incidents_escalate_overdue_task",
        "schedule": float(ESCALATION_SWEEP_SECONDS),
    },
    # Warnings (催办) before a breach; outside working hours the sweep does nothing.
    "incidents-warn-due": {
        "task": "incidents.tasks.incidents_warn_due_task",
        "schedule": 300.0,
    },
    "supervisions-escalate-overdue": {
        "task": "incidents.tasks.supervisions_escalate_overdue_task",
        "schedule": 300.0,
    },
    "incidents-resume-due": {
        "task": "incidents.tasks.incidents_resume_due_task",
        "schedule": 3600.0,
    },
    "notifications-deliver-pending": {
        "task": "members.tasks.notifications_deliver_pending_task",
        "schedule": 120.0,
    },
    # The 12345 bridge's back-sync: status updates the hotline has not taken yet.
    "hotline-updates-deliver-pending": {
        "task": "incidents.tasks.hotline_updates_deliver_pending_task",
        "schedule": 60.0,
    },
    # The cockpit's facts (incidents.services.facts): the days touched in the last minute,
    # and nightly, after the sweeps, the recent days recomputed whole.
    "case-facts-refresh": {
        "task": "incidents.tasks.case_facts_refresh_task",
        "schedule": 60.0,
    },
    "case-facts-rebuild-recent": {
        "task": "incidents.tasks.case_facts_rebuild_recent_task",
        "schedule": crontab(hour=3, minute=20),
    },
    # Last month's assessment bulletins, on the first three days of a month (a month
    # already closed is left alone, so the later runs only catch a county that was missed).
    "assessment-close-last-month": {
        "task": "assessment.tasks.assessment_months_close_due_task",
        "schedule": crontab(minute=30, hour=2, day_of_month="1-3"),
    },
    # Nightly, after the day has ended: patrol authenticity flags (members.authenticity).
    "patrols-assess-recent": {
        "task": "members.tasks.patrols_assess_recent_task",
        "schedule": crontab(hour=1, minute=30),
    },
}
# A publish that cannot reach the broker fails at once instead of blocking a request;
# what it carried is retried from the database by the sweeps above.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Seconds a request's queueing after its commit may wait on the broker (connect, send)
# before it leaves the message to the outbox sweep: a stopped or hung Redis costs a
# request at most this (members.notifications._enqueue_delivery).
BROKER_PUBLISH_TIMEOUT = env.float("BROKER_PUBLISH_TIMEOUT", default=0.05)
CELERY_TASK_PUBLISH_RETRY = False

# --- Open API (DRF) and its OpenAPI schema -------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grid platform API",
    "DESCRIPTION": (
        "The open API of the grid social governance platform: the same data and the same "
        "rules as the pages, scoped to the caller's role and jurisdiction. Authenticate with "
        "a session or with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "grids.models.Region.Level",
        "CaseLevelEnum": "incidents.models.Level",
        "CaseStatusEnum": "incidents.models.Incident.Status",
        "QuestionKindEnum": "surveys.models.Question.Kind",
        "PhotoKindEnum": "incidents.models.Attachment.Kind",
    },
}

# --- Maps ---------------------------------------------------------------------------------
# Tiles are a setting: Tianditu, a town's own tile server, or none (an intranet with no
# tiles still shows the grid boundaries). Use CGCS2000/WGS84 tiles: GCJ-02 (Gaode,
# Tencent) or BD-09 (Baidu) tiles shift WGS84 polygons by tens to hundreds of metres.
#
# MAP_BASE picks a preset: "tianditu" (天地图 vector map with its Chinese labels, needs
# TIANDITU_KEY), "xyz" (a town's own tile server at MAP_TILE_URL) or "none": the maps then
# draw the village boundaries with their names and the grid labels from our own data.
# Without MAP_BASE, a MAP_TILE_URL means "xyz" (settings of earlier releases keep working).
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
MAP_BASE = env("MAP_BASE", default="xyz" if MAP_TILE_URL else "none")
TIANDITU_KEY = env("TIANDITU_KEY", default="")
TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=" + TIANDITU_KEY
)
TIANDITU_OPTIONS = {"attribution": "天地图", "subdomains": "01234567", "maxZoom": 18}
if MAP_BASE == "tianditu" and TIANDITU_KEY:
    MAP_TILES = [("天地图", TIANDITU_URL % ("vec", "vec"), TIANDITU_OPTIONS)]
    MAP_OVERLAYS = [("注记", TIANDITU_URL % ("cva", "cva"), TIANDITU_OPTIONS)]
elif MAP_BASE == "xyz" and MAP_TILE_URL:
    MAP_TILES = [("map", MAP_TILE_URL, {"attribution": MAP_TILE_ATTRIBUTION})]
    MAP_OVERLAYS = []
else:
    MAP_TILES, MAP_OVERLAYS = [], []
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (28.36, 121.40),
    "DEFAULT_ZOOM": 12,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 19,
    "TILES": MAP_TILES,
    "OVERLAYS": MAP_OVERLAYS,
    "RESET_VIEW": False,
    # Leaflet's own link without the flag it adds by default.
    "ATTRIBUTION_PREFIX": '<a href="https://leafletjs.com" title="Leaflet">Leaflet</a>',
}

# --- Content-Security-Policy (django-csp) ----------------------------------------------------
# Scripts come from the site's own files only: no inline script runs unless it carries the
# request's nonce (django-leaflet's map set-up, the admin's map widget). Styles may be inline
# (Leaflet and Chart.js set them). Map tiles come from MAP_TILE_URL's host.
_TILE_HOST = urlsplit(MAP_TILE_URL.replace("{s}", "a")).netloc if MAP_TILE_URL else ""
_TILE_ORIGINS = [f"https://{_TILE_HOST}", f"http://{_TILE_HOST}"] if _TILE_HOST else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *_TILE_ORIGINS],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Grids of one town may touch but not overlap by more than this area (square metres).
GRID_OVERLAP_TOLERANCE_M2 = env.float("GRID_OVERLAP_TOLERANCE_M2", default=10.0)
# A grid may stick out of its village's boundary by at most this area (square metres).
GRID_OUTSIDE_VILLAGE_TOLERANCE_M2 = env.float("GRID_OUTSIDE_VILLAGE_TOLERANCE_M2", default=10.0)

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# The folder of Django's file-based backend (one file per message), where it is chosen.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="grid-platform@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# SMS gateway class; the default writes messages to the log. See members/sms.py.
SMS_SENDER = env("SMS_SENDER", default="members.sms.LoggingSmsSender")
# Alibaba Cloud SMS (SMS_SENDER=members.aliyun_sms.AliyunSmsSender): the account's
# AccessKey, the approved signature (签名) and the approved template per kind of message,
# e.g. "case_accepted=SMS_100001,case_closed=SMS_100002,default=SMS_100003".
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATES = env.dict("ALIYUN_SMS_TEMPLATES", default={})
ALIYUN_SMS_TIMEOUT = env.float("ALIYUN_SMS_TIMEOUT", default=5.0)
NOTIFICATION_MAX_ATTEMPTS = 8
# A dissatisfied rating opens a call-back (回访) for the town, due in these working days.
CALLBACK_WORKING_DAYS = env.int("CALLBACK_WORKING_DAYS", default=2)
# Minutes of patrol a grid member should log each day, unless the town sets its own
# (Region.patrol_norm_minutes); below it the day's patrols are flagged.
PATROL_DAILY_NORM_MINUTES = env.int("PATROL_DAILY_NORM_MINUTES", default=30)
# The site's address as residents reach it, for links in text messages (a tracking link);
# without it the messages carry the path alone.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")
NOTIFICATION_BATCH = 200
# The 12345 hotline bridge (README, "The 12345 bridge"): where every status change of a
# hotline work order's case is posted, the HMAC-SHA256 secret it is signed with, the seconds
# an attempt may take, and the attempts before an update is given up (2, 4, 8 ... minutes
# apart, at most an hour: 20 attempts span about 16 hours).
HOTLINE_CALLBACK_URL = env("HOTLINE_CALLBACK_URL", default="")
HOTLINE_SECRET = env("HOTLINE_SECRET", default="")
HOTLINE_TIMEOUT = env.float("HOTLINE_TIMEOUT", default=5.0)
HOTLINE_MAX_ATTEMPTS = env.int("HOTLINE_MAX_ATTEMPTS", default=20)

# --- Logging: personal data is masked in every log line -----------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "members.logging.PersonalDataMaskingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Working time ------------------------------------------------------------------------------
# Working periods of a working day (local time). Ordinary limits count only these hours.
WORKING_HOURS = [
    tuple(period.split("-"))
    for period in env.list("WORKING_HOURS", default=["08:30-12:00", "13:30-17:30"])
]

# --- Case handling: duplicates and rankings ------------------------------------------------
# Radius of the "same problem nearby?" suggestions, unless the category sets its own.
DUPLICATE_RADIUS_METERS = env.int("DUPLICATE_RADIUS_METERS", default=200)
# Closed cases are suggested for this many days after closure.
DUPLICATE_RECENT_DAYS = env.int("DUPLICATE_RECENT_DAYS", default=30)
# Rankings of villages, grids and departments list only units with at least this many
# cases closed in the period, so that one quick case does not top the table.
KPI_RANKING_MIN_CASES = env.int("KPI_RANKING_MIN_CASES", default=5)

# --- Photos of cases ---------------------------------------------------------------------
# Retention of personal data, in days (manage.py anonymise, run daily): counted from the
# day a case finished for its reporter's and followers' contact details, its photos and its
# own words and exact place; from the day of the look for the access log.
RETENTION_REPORTER_CONTACT_DAYS = env.int("RETENTION_REPORTER_CONTACT_DAYS", default=365)
RETENTION_PHOTOS_DAYS = env.int("RETENTION_PHOTOS_DAYS", default=730)
RETENTION_CLOSED_CASES_DAYS = env.int("RETENTION_CLOSED_CASES_DAYS", default=1825)
RETENTION_ACCESS_LOG_DAYS = env.int("RETENTION_ACCESS_LOG_DAYS", default=1095)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_PIXELS = 40_000_000
ATTACHMENT_MAX_SIDE = 2560
