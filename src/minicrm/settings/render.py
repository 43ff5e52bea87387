"""`minicrm config` as text or JSON."""

from __future__ import annotations

from pathlib import Path

from minicrm.settings.service import Setting, Settings
from minicrm.ui.machine import write_json
from minicrm.ui.render import line, print_table


def print_settings(result: Settings, fmt: str) -> None:
    if fmt == "json":
        write_json(result.to_dict())
        return
    where = str(result.path) if result.path else "(none)"
    line(f"Config file: {where}{'' if result.exists else ' (not created yet)'}")
    print_table(
        ("key", "value", "from", "meaning"),
        [[s.key, s.text, s.source, s.help] for s in result.items],
    )


def print_setting(setting: Setting, fmt: str) -> None:
    if fmt == "json":
        write_json(setting.to_dict())
        return
    line(setting.text)


def print_changed(setting: Setting, path: Path | None, fmt: str) -> None:
    if fmt == "json":
        write_json(setting.to_dict())
        return
    line(f"{setting.key} = {setting.text or '(not set)'} ({setting.source}; {path})")
