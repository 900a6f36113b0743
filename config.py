"""Configuration classes, read from the environment.

`VFTOPS_CONFIG` picks one of `production` (the default), `development` or
`testing`. Production refuses to start without `SECRET_KEY`, `DATABASE_URL` and
`VFTOPS_BASE_URL`, and every environment refuses a base URL that is not http(s)
with a host: it is printed on QR labels.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("VFTOPS_INSTANCE_DIR", PROJECT_ROOT / "instance")).resolve()


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _gc_thresholds(value: str) -> tuple[int, ...] | None:
    """«10000,20,20» → (10000, 20, 20); empty: leave Python's own."""
    if not value.strip():
        return None
    numbers = tuple(int(part) for part in value.split(","))
    if len(numbers) != 3 or min(numbers) < 1:
        raise ValueError(f"VFTOPS_GC_THRESHOLDS takes three whole numbers, not {value!r}")
    return numbers


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def check_base_url(url: str) -> None:
    """The installation's own address must be an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(
            f"VFTOPS_BASE_URL must be the installation's address with http(s):// and a "
            f"host, e.g. https://vftops.kommune.no (got {url!r})."
        )


def normalise_database_url(url: str) -> str:
    """Let operators write the usual `postgres://` URLs; we speak psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    # SECRET_KEY and DATABASE_URL are read by create_app(), not at import.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    # Sessions: an idle session ends after this many hours (the cookie is
    # re-signed on every request, so the limit counts from the last request).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_int("SESSION_IDLE_HOURS", 8))
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_NAME = "vftops_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True

    # Passwords: scrypt from Werkzeug; the parameters are Werkzeug's defaults.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - an algorithm name
    PASSWORD_MIN_LENGTH = 12

    # Failed logins per account and per network address. A municipality's
    # staff often share one outgoing address, so that limit is higher.
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per minute")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Behind nginx or a load balancer, set to the number of proxies in front,
    # so the client's own address (X-Forwarded-For) is used for rate limits.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    PROXY_FIX_X_PROTO = _env_int("PROXY_FIX_X_PROTO", 0)
    RATELIMIT_HEADERS_ENABLED = False

    # Python's garbage collector, for a long-running server process: the youngest
    # generation collected every 10,000 new objects instead of 700, the older ones
    # after 20 collections of the one below instead of 10 (Python 3.11–3.13; set
    # VFTOPS_GC_THRESHOLDS empty to leave Python's own, as the tests do).
    GC_THRESHOLDS = _gc_thresholds(os.environ.get("VFTOPS_GC_THRESHOLDS", "10000,20,20"))

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = {"nb": "Norsk bokmål", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True

    API_TITLE = "vftops API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_MAX_BODY_BYTES = 2 * 1024 * 1024
    API_TOKEN_DEFAULT_DAYS = _env_int("API_TOKEN_DEFAULT_DAYS", 90)
    API_TOKEN_MAX_DAYS = 365

    # Uploads in later modules are checked on their own; this is the ceiling.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # Uploaded import files wait here between the preview and «Registrer alle».
    IMPORT_DIR = os.environ.get("VFTOPS_IMPORT_DIR", str(INSTANCE_DIR / "imports"))
    # An import file is refused, naming the row or cell, beyond these: rows after the
    # header (blank rows count) and characters in one cell. Checked while reading.
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 50_000)
    IMPORT_MAX_CELL_CHARS = _env_int("IMPORT_MAX_CELL_CHARS", 1_000)

    # Privacy: `flask vftops purge` anonymises a recipient after this many months
    # without a device, a return, a job or an edit.
    PURGE_RETENTION_MONTHS = _env_int("PURGE_RETENTION_MONTHS", 12)

    PAGE_SIZE = 50
    # Long lists count their rows up to here and then say «more than …».
    LIST_COUNT_CAP = _env_int("LIST_COUNT_CAP", 10_000)
    API_MAX_LIMIT = 500

    # Stock: lead time when a supplier has none recorded; the digest warns about
    # devices that have waited for reset longer than this.
    STOCK_DEFAULT_LEAD_DAYS = _env_int("STOCK_DEFAULT_LEAD_DAYS", 14)
    STOCK_RESET_WARN_DAYS = _env_int("STOCK_RESET_WARN_DAYS", 7)

    # Support: priority = matrix[urgency][impact]; SLA per priority in minutes
    # (acknowledge, resolve) on a calendar («24x7» or «business»: Monday to
    # Friday within SUPPORT_BUSINESS_HOURS, not Norwegian public holidays). A
    # municipality may set its own targets on the SLA page.
    SUPPORT_PRIORITY_MATRIX = {
        "high": {"high": 1, "medium": 2, "low": 3},
        "medium": {"high": 2, "medium": 3, "low": 4},
        "low": {"high": 3, "medium": 4, "low": 4},
    }
    SUPPORT_SLA = {
        1: (15, 4 * 60, "24x7"),
        2: (60, 8 * 60, "24x7"),
        3: (4 * 60, 3 * 8 * 60, "business"),
        4: (8 * 60, 10 * 8 * 60, "business"),
    }
    SUPPORT_BUSINESS_HOURS = os.environ.get("SUPPORT_BUSINESS_HOURS", "08:00-16:00")
    # «Breaching soon»: less than this share of the time to resolve is left.
    SUPPORT_WARN_PERCENT = _env_int("SUPPORT_WARN_PERCENT", 25)
    # Defaults for a municipality without its own support settings.
    SUPPORT_AUTO_CLOSE_DAYS = _env_int("SUPPORT_AUTO_CLOSE_DAYS", 7)
    SUPPORT_INCIDENT_THRESHOLD = _env_int("SUPPORT_INCIDENT_THRESHOLD", 10)
    SUPPORT_INCIDENT_WINDOW_MINUTES = _env_int("SUPPORT_INCIDENT_WINDOW_MINUTES", 15)
    # The support reports are worked out at most this often per view (0: every time).
    SUPPORT_REPORT_CACHE_SECONDS = _env_int("SUPPORT_REPORT_CACHE_SECONDS", 300)
    # Photos and PDFs on tickets: stored here under random names, never served directly.
    ATTACHMENT_DIR = os.environ.get("VFTOPS_ATTACHMENT_DIR", str(INSTANCE_DIR / "attachments"))
    ATTACHMENT_MAX_BYTES = _env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

    # Outgoing e-mail (the daily stock digest). No MAIL_SERVER: nothing is sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_FROM = os.environ.get("MAIL_FROM", "vftops <vftops@localhost>")
    # Links in e-mails and on QR labels point here (e.g. https://vftops.kommune.no),
    # never to the Host a request names. Production refuses to start without it.
    BASE_URL: str | None = None
    DEFAULT_BASE_URL = "http://127.0.0.1:5000"

    PROPAGATE_EXCEPTIONS = False

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start with settings that are unsafe for this environment."""
        config["BASE_URL"] = config.get("BASE_URL") or cls.DEFAULT_BASE_URL


class ProductionConfig(Config):
    NAME = "production"

    @classmethod
    def check(cls, config: dict) -> None:
        missing = [
            k for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "BASE_URL") if not config.get(k)
        ]
        env_names = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL", "BASE_URL": "VFTOPS_BASE_URL"}
        if missing:
            names = ", ".join(env_names.get(k, k) for k in missing)
            raise RuntimeError(
                f"vftops refuses to start in production without {names}. "
                "Set VFTOPS_CONFIG=development for a local installation."
            )


def _development_secret() -> str:
    """A per-installation key kept under instance/, so sessions survive restarts."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite under instance/, plain HTTP on 127.0.0.1."""

    NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False

    @classmethod
    def check(cls, config: dict) -> None:
        config["BASE_URL"] = config.get("BASE_URL") or cls.DEFAULT_BASE_URL
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _development_secret()
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{INSTANCE_DIR / 'vftops.sqlite'}"


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    SUPPORT_REPORT_CACHE_SECONDS = 0  # a test sees what it just wrote; the cache has its own
    SECRET_KEY = "testing-only-not-secret"  # noqa: S105
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # Cheap hashes keep the suite fast; the method is still a real KDF.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - an algorithm name
    IMPORT_DIR = str(Path(tempfile.gettempdir()) / "vftops-test-imports")
    # A GET that writes without saying so (`core.db.writes`) fails the test that made it.
    STRICT_READS = True
    ATTACHMENT_DIR = str(Path(tempfile.gettempdir()) / "vftops-test-attachments")

    @classmethod
    def check(cls, config: dict) -> None:
        config["BASE_URL"] = config.get("BASE_URL") or cls.DEFAULT_BASE_URL
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            raise RuntimeError("TestingConfig needs SQLALCHEMY_DATABASE_URI")


CONFIGS: dict[str, type[Config]] = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}
