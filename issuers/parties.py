"""The parties EnStream deals with: their organisations and contacts.

Contacts are a short list kept on the issuer's or MNO's record, so a change of contact is
versioned with it."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from enstream.accounts.models import Organisation
from issuers.errors import CommercialError

CONTACT_FIELDS = ("name", "role", "email", "phone")
MAX_CONTACTS = 20


def clean_contacts(contacts: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Each contact has a name and a way to reach them (email or phone); role is free text,
    e.g. "Commercial" or "NOC 24/7"."""
    cleaned: list[dict[str, str]] = []
    for index, contact in enumerate(contacts):
        where = f"contacts[{index}]"
        if not isinstance(contact, Mapping):
            raise CommercialError("invalid_contact", "A contact is a set of fields.", field=where)
        unknown = set(contact) - set(CONTACT_FIELDS)
        if unknown:
            raise CommercialError(
                "invalid_contact",
                f"Unknown contact field(s): {', '.join(sorted(unknown))}.",
                field=where,
            )
        row = {key: str(contact.get(key) or "").strip()[:200] for key in CONTACT_FIELDS}
        if not row["name"]:
            raise CommercialError("invalid_contact", "A contact needs a name.", field=where)
        if not row["email"] and not row["phone"]:
            raise CommercialError(
                "invalid_contact", f"Give an email or a phone for {row['name']}.", field=where
            )
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError as exc:
                raise CommercialError(
                    "invalid_contact", f"{row['email']!r} is not an email address.", field=where
                ) from exc
        cleaned.append(row)
    if len(cleaned) > MAX_CONTACTS:
        raise CommercialError(
            "invalid_contact", f"Keep at most {MAX_CONTACTS} contacts.", field="contacts"
        )
    return cleaned


def tenant_organisation(
    *, organisation: Organisation | None, name: str, slug: str | None, kind: str
) -> Organisation:
    """The organisation a new issuer or MNO belongs to: the one given (of the right kind), or
    a new one."""
    if organisation is not None:
        if organisation.kind != kind:
            raise CommercialError(
                "wrong_organisation_kind",
                f"{organisation} is not an organisation of kind {kind}.",
                field="organisation",
            )
        return organisation
    slug = slug or slugify(name)[:60]
    if Organisation.objects.filter(name=name).exists():
        raise CommercialError(
            "organisation_exists", f"An organisation named {name} exists.", field="name"
        )
    if not slug or Organisation.objects.filter(slug=slug).exists():
        raise CommercialError(
            "organisation_exists", f"The short name {slug!r} is taken or empty.", field="slug"
        )
    return Organisation.objects.create(name=name, slug=slug, kind=kind)
