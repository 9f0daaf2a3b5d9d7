"""The Flask extension singletons, created unbound and initialised in create_app."""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .config import check_throttle_storage

# Stable constraint names from day one, so batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()


class SharedLimiter(Limiter):
    """Flask-Limiter that, in production, will not start counting per process when several
    processes could serve the app (config.check_throttle_storage)."""

    def init_app(self, app: Flask) -> None:
        check_throttle_storage(app.config)
        super().init_app(app)


# No default limits: sign-in and the other credential checks declare their own (auth/throttle.py).
# Storage and limits come from the app config (RATELIMIT_STORAGE_URI and friends).
limiter = SharedLimiter(key_func=get_remote_address)
