"""Where minicrm keeps its files: --db, else MINICRM_DB, else the platform data dir."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "minicrm"
DB_FILENAME = "minicrm.db"


def default_data_dir() -> Path:
    import platformdirs  # lazy: +17 ms that only the default path needs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database this invocation uses, in order of precedence."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("MINICRM_DB")
    if env:
        return Path(env).expanduser()
    return default_data_dir() / DB_FILENAME


def config_path() -> Path:
    """The configuration file: MINICRM_CONFIG, else config.toml in the config dir."""
    env = os.environ.get("MINICRM_CONFIG")
    if env:
        return Path(env).expanduser()
    return default_config_dir() / "config.toml"
