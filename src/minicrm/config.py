"""The user's configuration file (TOML, in the platform config dir or MINICRM_CONFIG)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from minicrm.errors import InvalidInput
from minicrm.paths import config_path

DEFAULT_CONTACT_STAGES = ("lead", "prospect", "customer", "partner", "former")


@dataclass(frozen=True)
class Config:
    contact_stages: tuple[str, ...] = DEFAULT_CONTACT_STAGES
    smtp: dict[str, object] = field(default_factory=dict)
    source: Path | None = field(default=None, compare=False)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise InvalidInput(f"cannot read the config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"config file {path} is not valid TOML: {exc}") from exc
    contacts = data.get("contacts", {})
    stages = contacts.get("stages", list(DEFAULT_CONTACT_STAGES))
    if (
        not isinstance(stages, list)
        or not stages
        or not all(isinstance(s, str) and s.strip() for s in stages)
    ):
        raise InvalidInput(
            f"config file {path}: contacts.stages must be a list of names",
            hint='e.g. stages = ["lead", "customer"]',
        )
    smtp = data.get("smtp", {})
    if not isinstance(smtp, dict):
        raise InvalidInput(f"config file {path}: [smtp] must be a table", hint='host = "..."')
    return Config(contact_stages=tuple(s.strip().lower() for s in stages), smtp=smtp, source=path)
