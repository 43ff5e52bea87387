"""Where minicrm keeps its files: --db, else MINICRM_DB, else the platform data dir."""

from __future__ import annotations

import os
from pathlib import Path

from minicrm.core.errors import DatabaseError

APP_NAME = "minicrm"
DB_FILENAME = "minicrm.db"


def make_private_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and whichever of its parents are missing, each one 0700 whatever
    the umask (``Path.mkdir(parents=True)`` gives the parents it makes the umask's mode,
    0755 under umask 022). Folders that exist are left as they are. Returns the folders
    made, outermost first; raises OSError."""
    missing: list[Path] = []
    current = Path(folder)
    while not current.is_dir() and current != current.parent:
        missing.append(current)
        current = current.parent
    made = []
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            if not path.is_dir():  # a file, or a link to nothing, where a folder should be
                raise
            continue  # another process made it first: it is not ours to change
        os.chmod(path, 0o700)  # a umask such as 0277 would have taken more
        made.append(path)
    return made


def default_data_dir() -> Path:
    import platformdirs  # imported here: only the default path needs it

    try:
        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    except RuntimeError:  # no HOME and no home in the user database: "~" stays "~"
        raise DatabaseError(
            "cannot tell where to keep the database: HOME is not set and this user has "
            "no home folder",
            hint="set MINICRM_DB, HOME or XDG_DATA_HOME, or pass --db PATH",
        ) from None


def default_config_dir() -> Path | None:
    """The config folder, or None when there is no home folder to have one in."""
    import platformdirs

    try:
        return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    except RuntimeError:
        return None


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database this invocation uses, in order of precedence."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("MINICRM_DB")
    if env:
        return Path(env).expanduser()
    return default_data_dir() / DB_FILENAME


def config_path() -> Path | None:
    """The configuration file: MINICRM_CONFIG, else config.toml in the config dir (None
    without a home folder: then there is no config file, and the defaults apply)."""
    env = os.environ.get("MINICRM_CONFIG")
    if env:
        return Path(env).expanduser()
    folder = default_config_dir()
    return None if folder is None else folder / "config.toml"
