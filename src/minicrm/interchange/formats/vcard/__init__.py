"""vCard in and out: 2.1, 3.0 and 4.0 are read; 3.0 or 4.0 are written.

Reading (:func:`parse_vcards`)
    The text is split into cards here, at BEGIN:VCARD/END:VCARD lines at nesting depth 1
    (nested BEGIN/END are counted; more than 20 levels is refused, without recursing). Each
    card is then read with vobject's line parser (unfolding, parameters, quoted-printable
    with its CHARSET) and vobject's unescaping, inside ``try/except Exception``: whatever
    goes wrong becomes a :class:`RecordError` for that card and reading goes on with the
    next. ``vobject.readOne``'s component layer is not used because it loses data: it splits
    every plain text value at an unescaped comma and keeps the first part (``FN:Doe, Jane``
    gives "Doe", a 4.0 ``PHOTO:data:image/jpeg;base64,...`` keeps "data:image/jpeg;base64"),
    turns a trailing backslash into ``\\eof``, base64-decodes any value with
    ``ENCODING=8BIT`` and recurses once per nested BEGIN. vobject's line regex backtracks
    exponentially on some malformed lines, so a line is checked by a linear pattern first.

    Values are as the card has them (the import domain validates them), with the vCard
    specifics normalised: labels from TYPE or from Apple's grouped ``X-ABLabel``; dates in
    the stored forms ``1990-05-17`` and ``--05-17`` (from ``19900517``, ``--0517``, a
    date-time, or Apple's ``X-APPLE-OMIT-YEAR``); a text birthday becomes
    ``custom["birthday_text"]`` and its line is kept, while an impossible date in a date's
    form (``2026-02-30``, a typo rather than a text) makes the card a RecordError;
    ``tel:``/``mailto:``/``urn:uuid:`` prefixes dropped. Control characters are passed on as the card has them (the import
    stores them, as it stores any text; display escapes them). Properties minicrm does not model are kept in ``vcard_extra`` as
    single unfolded lines, group and parameters included, so that they are written back.

Writing (:func:`to_vcard`, :func:`to_vcards`)
    One line at a time with vobject's escaping and parameter quoting, folded at 75 octets
    here (``vobject.base.foldOneLine`` does not fold a line shorter than 75 characters even
    when it is longer than 75 octets, e.g. 30 Korean letters), CRLF line ends. A label that
    is a standard TYPE for the property is written as one; any other label uses Apple's
    ``itemN.PROP`` + ``itemN.X-ABLabel:label``. In 3.0 a birthday without a year is
    written as Apple does, ``BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-17``; 4.0 uses RFC 6350's
    ``BDAY:--0517``. Anniversaries are ``ANNIVERSARY`` in 4.0 and Apple's ``X-ABDATE`` with
    the ``_$!<Anniversary>!$_`` label in 3.0; other labelled dates are ``X-ABDATE`` in both.

vobject is imported inside the functions: a heavy import that only import/export and sync need.
"""

from __future__ import annotations

from minicrm.interchange.formats.vcard.read import parse_vcards
from minicrm.interchange.formats.vcard.write import to_vcard, to_vcards

__all__ = ["parse_vcards", "to_vcard", "to_vcards"]
