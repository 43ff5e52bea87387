"""The columns of a generic spreadsheet of contacts: the common names (``E-mail``, ``Job
Title``, ``Mobile``, ``Tags`` ...), numbered and labelled emails, phones, URLs and
addresses, and addresses in parts (street, city, postcode, country).
"""

from __future__ import annotations

import re

from minicrm.interchange.formats.csvcolumns import (
    LIST_SPLIT,
    PREFIX,
    TAG_SEP,
    Target,
    normalised,
    prefix_label,
)

_GENERIC_SCALARS = {
    "name": ("name", "fullname", "displayname", "contact", "contactname"),
    "given_name": ("firstname", "givenname", "first", "forename"),
    "family_name": ("lastname", "surname", "familyname", "last"),
    "middle": ("middlename", "additionalname"),
    "nickname": ("nickname", "nick"),
    "title": ("title", "jobtitle", "position"),
    "company": (
        "company",
        "companyname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "org",
        "employer",
    ),
    "birthday": ("birthday", "birthdate", "dateofbirth", "dob", "bday"),
    "notes": ("notes", "note", "comments", "comment"),
    "uid": ("uid",),
}


GENERIC = {alias: Target(kind) for kind, aliases in _GENERIC_SCALARS.items() for alias in aliases}
GENERIC |= {
    alias: Target("tags", split=TAG_SEP)
    for alias in ("tags", "tag", "labels", "groups", "group", "categories", "category")
}
GENERIC |= {
    "anniversary": Target("date", label="anniversary"),
    "linkedin": Target("url", label="linkedin"),
    "linkedinurl": Target("url", label="linkedin"),
    "linkedinprofile": Target("url", label="linkedin"),
}


_EMAIL_RE = re.compile(PREFIX + r"(?:e?mail)(?:address)?(?:\d+)?(?:address)?")


_PHONE_RE = re.compile(
    PREFIX + r"(phone|telephone|tel|mobile|cell|fax)(?:phone)?(?:number|no)?(?:\d+)?"
)


_URL_RE = re.compile(
    r"(personal|work|business|company|home)?(url|website|web|webpage|homepage|site)\d*"
)


_ADDRESS_RE = re.compile(PREFIX + r"(?:street|postal|mailing)?address(?:\d+)?")


ADDRESS_PARTS = {
    "street": "street",
    "streetaddress": "street",
    "street1": "street",
    "address1": "street",
    "addressline1": "street",
    "street2": "street2",
    "address2": "street2",
    "addressline2": "street2",
    "city": "city",
    "town": "city",
    "state": "region",
    "region": "region",
    "province": "region",
    "county": "region",
    "zip": "postcode",
    "zipcode": "postcode",
    "postcode": "postcode",
    "postalcode": "postcode",
    "country": "country",
}


CITYISH = {"city", "region", "postcode", "country"}


def generic_target(column: str, has_parts: bool) -> Target | None:
    """A spreadsheet's column name, if it is one minicrm knows; ``has_parts``: the header
    also has city/zip/country columns, so Address and Street are one address's street."""
    norm = normalised(column)
    if has_parts and norm in ADDRESS_PARTS:
        return Target("group", group=("address", ""), role=ADDRESS_PARTS[norm])
    if has_parts and norm == "address":
        return Target("group", group=("address", ""), role="street")
    if norm in GENERIC:
        return GENERIC[norm]
    if m := _EMAIL_RE.fullmatch(norm):
        return Target("email", label=prefix_label(m.group(1) or ""), split=LIST_SPLIT)
    if m := _PHONE_RE.fullmatch(norm):
        prefix, word = m.group(1) or "", m.group(2)
        label: str | None
        if word in ("mobile", "cell"):
            label = "mobile"
        elif word == "fax":
            label = "fax"
        else:
            label = prefix_label(prefix)
        return Target("phone", label=label, split=LIST_SPLIT)
    if m := _URL_RE.fullmatch(norm):
        return Target("url", label=prefix_label(m.group(1) or ""))
    if m := _ADDRESS_RE.fullmatch(norm):
        return Target("address", label=prefix_label(m.group(1) or ""))
    return None
