"""What a JSON dump must pass before it is restored: each table's rows are objects with an
integer id and the table's columns, and each value is one ``add`` or ``import`` would
take (the message names the table, the row id and the field).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import Any, cast

from minicrm.activity import followups
from minicrm.core import validate
from minicrm.core.errors import InvalidInput


def check_rows(table: str, rows: list[Any], columns: list[str]) -> None:
    """Refuse (InvalidInput) dump rows the table cannot take as they are: not objects,
    without an integer id, with columns the table lacks or values that are not scalars."""
    for number, row in enumerate(rows, start=1):
        where = f"the dump's {table} row {number}"
        if not isinstance(row, dict) or "id" not in row:
            raise InvalidInput(f"the dump's {table} rows need an id each")
        if isinstance(row["id"], bool) or not isinstance(row["id"], int):
            raise InvalidInput(f"{where} has an id that is not a whole number: {row['id']!r}")
        unknown = sorted(str(k) for k in row if k not in columns)
        if unknown:
            raise InvalidInput(
                f"{where} has columns the table does not have: {', '.join(unknown)}",
                hint="is it a dump of another minicrm version?",
            )
        for key, value in row.items():
            if value is not None and not isinstance(value, str | int | float):
                raise InvalidInput(f"{where}: {key} is a {type(value).__name__}, not a value")
        if set(row) != set(rows[0]):
            raise InvalidInput(f"{where} has other columns than the table's first row")


def _optional(check: Callable[[Any], object]) -> Callable[[Any], object]:
    return lambda value: None if value is None else check(value)


def _text_check(what: str, max_len: int, *, required: bool = False) -> Callable[[Any], object]:
    def check(value: Any) -> object:
        if not isinstance(value, str):
            raise InvalidInput(f"{what} must be text, not {value!r}")
        return validate.text(value, what, max_len=max_len, required=required)

    return check if required else _optional(check)


def _typed(check: Callable[[str], object]) -> Callable[[Any], object]:
    """A validator of text values that also refuses a value that is not text."""

    def typed(value: Any) -> object:
        if not isinstance(value, str):
            raise InvalidInput(f"must be text, not {value!r}")
        return check(value)

    return typed


def _label(value: Any) -> object:
    if not isinstance(value, str) or validate.split_label(f"{value}:x")[0] != value:
        raise InvalidInput(
            f"not a label: {value!r}", hint="a letter, then up to 23 lowercase letters, digits, _ -"
        )
    return value


def _stored_tag(value: Any) -> object:
    if not isinstance(value, str) or validate.tag(value) != value:
        raise InvalidInput(f"not a tag as stored: {value!r}", hint="lowercase, e.g. vip")
    return value


def _cadence(value: Any) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3_650:
        raise InvalidInput(f"not a keep-in-touch cadence in days: {value!r}", hint="1 to 3650")
    return value


def _one_of(*allowed: Any, what: str) -> Callable[[Any], object]:
    def check(value: Any) -> object:
        if value not in allowed:
            shown = ", ".join(str(a) for a in allowed)
            raise InvalidInput(f"unknown {what} {value!r}", hint=f"one of: {shown}")
        return value

    return check


def _iso(kind: type) -> Callable[[Any], object]:
    def check(value: Any) -> object:
        try:
            return kind.fromisoformat(value)  # type: ignore[attr-defined]
        except (TypeError, ValueError):
            raise InvalidInput(
                f"impossible or malformed {kind.__name__}: {value!r}",
                hint="e.g. 2026-12-01" if kind is date else "e.g. 09:00",
            ) from None

    return check


def _json_of(kind: type, item_check: Callable[[Any, Any], object]) -> Callable[[Any], object]:
    def check(value: Any) -> object:
        try:
            parsed = json.loads(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if not isinstance(parsed, kind):
            raise InvalidInput(f"not a JSON {kind.__name__} as text: {value!r}"[:200])
        items: Iterable[tuple[Any, Any]] = (
            parsed.items() if isinstance(parsed, dict) else enumerate(cast(list[Any], parsed))
        )
        for key, item in items:
            item_check(key, item)
        return parsed

    return check


def _custom_item(key: Any, value: Any) -> None:
    validate.custom_key(str(key))
    if not isinstance(value, str):
        raise InvalidInput(f"custom field {key!r} is not text: {value!r}")


def _line_item(_index: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidInput(f"a vCard line is not text: {value!r}")


def _restore_checks() -> dict[str, dict[str, Callable[[Any], object]]]:
    """For each table of a dump, the rules its columns' values must follow: those of
    ``add``, ``edit``, ``log``, ``follow`` and ``import``. Configurable names (contact and
    deal stages) are not checked: a dump restored where the config differs stays whole."""
    from minicrm.activity import interactions  # lazy: start-up
    from minicrm.deals import service as deals

    name = validate.MAX_NAME
    field = validate.MAX_FIELD
    children = {
        "contact_emails": validate.email,
        "contact_phones": validate.phone,
        "contact_addresses": validate.address,
        "contact_urls": validate.url,
        "contact_dates": validate.important_date,
    }
    checks: dict[str, dict[str, Callable[[Any], object]]] = {
        table: {"value": _typed(check), "label": _optional(_label)}
        for table, check in children.items()
    }
    checks["contacts"] = {
        "display_name": _text_check("name", name, required=True),
        "given_name": _text_check("given name", name),
        "family_name": _text_check("family name", name),
        "nickname": _text_check("nickname", name),
        "title": _text_check("title", field),
        "source": _text_check("source", field),
        "stage": _text_check("stage", field),
        "notes": _text_check("notes", validate.MAX_TEXT),
        "birthday": _optional(_typed(validate.birthday)),
        "cadence_days": _optional(_cadence),
        "archived": _one_of(0, 1, what="archived flag"),
        "custom": _optional(_json_of(dict, _custom_item)),
        "vcard_extra": _optional(_json_of(list, _line_item)),
    }
    checks["contact_tags"] = {"tag": _stored_tag}
    checks["companies"] = {
        "name": _text_check("company name", name, required=True),
        "notes": _text_check("notes", validate.MAX_TEXT),
    }
    checks["interactions"] = {
        "kind": _typed(interactions.kind),
        "body": _typed(interactions.body),
    }
    checks["followups"] = {
        "title": _text_check("title", followups.MAX_TITLE, required=True),
        "notes": _text_check("notes", validate.MAX_TEXT),
        "due_date": _iso(date),
        "due_time": _optional(_iso(time)),
        "priority": _one_of(*followups.PRIORITIES, what="priority"),
        "status": _one_of(*followups.STATUSES, what="status"),
    }
    checks["deals"] = {
        "title": _text_check("title", deals.MAX_TITLE, required=True),
        "probability": _optional(deals.probability),
    }
    return checks


def check_values(table: str, rows: list[Any]) -> None:
    """Refuse (InvalidInput) the first value of ``rows`` that the rules of
    :func:`_restore_checks` refuse, naming the table, the row id and the column."""
    checks = _restore_checks().get(table)
    if not checks or not rows:
        return
    for row in rows:
        for column, check in checks.items():
            if column not in row:
                continue
            try:
                check(row[column])
            except InvalidInput as exc:
                raise InvalidInput(
                    f"the dump's {table} row #{row['id']}, {column}: {exc.message}; "
                    "nothing was restored",
                    hint=exc.hint or "fix that value in the dump",
                ) from None
