"""Automatic audit entries for every create, update and delete of a registered model.

    @audited(exclude=("updated_at",), secret_fields=("wrapped_blob",))
    class Allocation(models.Model): ...

or, for a model you do not own, `audit_register(Model, ...)` from your AppConfig.ready().

Only changes made on behalf of someone (a person or an API key in the audit context: a page,
the admin, the API) are recorded; fixtures, migrations, seeding and system tasks are not
noise in the log. Fields whose names speak of secrets, and those listed in `secret_fields`,
show only that they changed. Many-to-many changes are not recorded.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from enstream.audit.context import current_actor
from enstream.audit.redaction import clean_changes
from enstream.audit.services import audit_record

M = TypeVar("M", bound=type[models.Model])

_BEFORE = "_audit_before"


@dataclass(frozen=True)
class AuditOptions:
    exclude: frozenset[str]
    secret_fields: frozenset[str]


REGISTRY: dict[type[models.Model], AuditOptions] = {}


def _someone_acting() -> bool:
    actor = current_actor()
    return actor.user is not None or actor.api_key is not None


def _fields(model: type[models.Model], options: AuditOptions) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in options.exclude]


def _snapshot(instance: models.Model, fields: Iterable[models.Field]) -> dict[str, Any]:
    return {f.name: f.value_from_object(instance) for f in fields}


def _options(sender: type[models.Model]) -> AuditOptions | None:
    return REGISTRY.get(sender)


def _before_save(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    options = _options(sender)
    setattr(instance, _BEFORE, None)
    if options is None or raw or instance._state.adding or not _someone_acting():
        return
    fields = _fields(sender, options)
    row = (
        sender._base_manager.using(kwargs.get("using") or instance._state.db)
        .filter(pk=instance.pk)
        .values(*(f.attname for f in fields))
        .first()
    )
    if row is not None:
        setattr(instance, _BEFORE, {f.name: row[f.attname] for f in fields})


def _after_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    options = _options(sender)
    if options is None or raw or not _someone_acting():
        return
    fields = _fields(sender, options)
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    after = _snapshot(instance, fields)
    if created:
        changes: dict[str, Any] = {k: v for k, v in after.items() if v not in (None, "")}
        action = "create"
    else:
        before = getattr(instance, _BEFORE, None) or {}
        changes = {
            name: [before.get(name), value]
            for name, value in after.items()
            if before.get(name) != value
        }
        if not changes:
            return
        action = "update"
    audit_record(action=action, obj=instance, changes=clean_changes(changes, options.secret_fields))


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    options = _options(sender)
    if options is None or not _someone_acting():
        return
    snapshot = _snapshot(instance, _fields(sender, options))
    audit_record(
        action="delete", obj=instance, changes=clean_changes(snapshot, options.secret_fields)
    )


def audit_register(
    model: M, *, exclude: Iterable[str] = (), secret_fields: Iterable[str] = ()
) -> M:
    """Record every create, update and delete of `model` made on someone's behalf."""
    REGISTRY[model] = AuditOptions(frozenset(exclude), frozenset(secret_fields))
    uid = f"audit:{model._meta.label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}:pre_save")
    post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}:post_save")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}:post_delete")
    return model


def audited(
    model: M | None = None, *, exclude: Iterable[str] = (), secret_fields: Iterable[str] = ()
) -> M | Callable[[M], M]:
    """Class decorator form of `audit_register`: `@audited` or `@audited(exclude=(...))`."""
    if model is not None:
        return audit_register(model, exclude=exclude, secret_fields=secret_fields)

    def decorate(cls: M) -> M:
        return audit_register(cls, exclude=exclude, secret_fields=secret_fields)

    return decorate
