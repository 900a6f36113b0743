"""One instance of each Flask extension; create_app() initialises them in order."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from vftops.core.api import VftopsApi
from vftops.core.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
# No default limits: only the routes that need protection (login) are limited.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = VftopsApi()
