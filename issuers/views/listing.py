"""Lists that filter, sort, paginate and export CSV: one mechanism for every commercial list.

A list page declares a `Table` (its columns), a FilterSet and a scoped queryset. `?sort=`
picks a declared column (anything else falls back to the default, so a crafted URL cannot
order by an arbitrary field), `?page=` is clamped to the pages that exist, and `?format=csv`
streams every filtered row, not only the page shown, with formula-like cells defused.
"""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import ListView
from django_filters import FilterSet

from enstream.portal.access import PermRequiredMixin
from issuers.templatetags.commercial import status_badge

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_EMPTY = mark_safe('<span class="muted">—</span>')


def csv_safe(value: Any) -> Any:
    """The value as a CSV cell: text that a spreadsheet would evaluate gets a leading quote so
    it is read as text. Numbers come from typed columns, never from what a user typed, so they
    stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    value: Callable[[Any], Any]
    order_by: tuple[str, ...] = ()
    link: Callable[[Any], str] | None = None
    numeric: bool = False
    badge: Callable[[Any], str] | None = None
    display: Callable[[Any], Any] | None = None

    @property
    def sortable(self) -> bool:
        return bool(self.order_by)

    def html(self, obj: Any) -> SafeString:
        value = (self.display or self.value)(obj)
        if value is None or value == "":
            return _EMPTY
        if self.badge is not None:
            return status_badge(self.badge(obj), value)
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        if self.link is not None:
            return format_html('<a href="{}">{}</a>', self.link(obj), value)
        return format_html("{}", value)


def detail_link(url_name: str) -> Callable[[Any], str]:
    """A column's link to the row's own page (a URL that takes its `pk`)."""
    return lambda obj: reverse(url_name, kwargs={"pk": obj.pk})


def field_column(name: str, header: str, field: str, **options: Any) -> Column:
    """A column that shows one field or annotation and sorts by it; `field` is an ORM path
    (`issuer__legal_name`)."""
    return Column(name, header, attrgetter(field.replace("__", ".")), order_by=(field,), **options)


def status_column() -> Column:
    """The row's status as a badge, sorted by the status."""
    return Column(
        "status",
        "Status",
        lambda obj: obj.get_status_display(),
        order_by=("status",),
        badge=attrgetter("status"),
    )


@dataclass(frozen=True)
class Table:
    """`then_by`: fields, always ascending, that order the rows a sort leaves tied (before the
    primary key); `empty`: what an empty list says."""

    name: str
    columns: tuple[Column, ...]
    default_sort: str
    then_by: tuple[str, ...] = ()
    empty: str = "Nothing matches."

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name and c.sortable), None)

    def ordering(self, requested: str | None) -> tuple[str, list[str]]:
        """The sort key in effect and the ORM ordering for it; the primary key breaks ties so
        that pages never repeat or skip a row."""
        key = requested if requested and self.column(requested.lstrip("-")) else self.default_sort
        descending = key.startswith("-")
        column = self.column(key.lstrip("-"))
        assert column is not None, f"{self.name}: default sort {key!r} is not a sortable column"
        sign = "-" if descending else ""
        fields = [f"{sign}{field}" for field in column.order_by]
        return key, [*fields, *self.then_by, f"{sign}pk"]


class _Echo:
    """csv.writer writes into this and gets the line back, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def stream_csv(table: Table, rows: Iterator[Any]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow([column.header for column in table.columns])
        for obj in rows:
            yield writer.writerow([csv_safe(column.value(obj)) for column in table.columns])

    filename = f"{table.name}-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ListPage(PermRequiredMixin, ListView):
    """Declare `perm`, `table`, `title` and `scoped_queryset`; optionally `filterset_class`
    and a create button (`create_url_name`, shown when the user has `create_perm`)."""

    table: Table
    title: str = ""
    filterset_class: type[FilterSet] | None = None
    template_name = "issuers/list.html"
    paginate_by = 25
    create_url_name: str = ""
    create_label: str = ""
    create_perm: Any = None

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        queryset = self.scoped_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(
                self.request.GET or None, queryset=queryset, request=self.request
            )
            queryset = self.filterset.qs
        self.sort_key, ordering = self.table.ordering(self.request.GET.get("sort"))
        return queryset.order_by(*ordering)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("format") == "csv":
            return stream_csv(self.table, self.get_queryset().iterator(chunk_size=500))
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset: QuerySet, page_size: int) -> tuple:
        # get_page, not page: a page number out of range shows the last page instead of a 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def _sort_link(self, column: Column) -> dict[str, Any]:
        query = self.request.GET.copy()
        query.pop("page", None)
        current = self.sort_key.lstrip("-") == column.name
        descending = self.sort_key.startswith("-")
        query["sort"] = f"-{column.name}" if current and not descending else column.name
        aria = ("descending" if descending else "ascending") if current else ""
        return {"url": f"?{query.urlencode()}", "aria_sort": aria}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        columns = self.table.columns
        context.update(
            title=self.title,
            headers=[{"column": c, **(self._sort_link(c) if c.sortable else {})} for c in columns],
            rows=[[(c, c.html(obj)) for c in columns] for obj in context["object_list"]],
            filter_form=self.filterset.form if self.filterset else None,
            show_create=bool(self.create_url_name)
            and (self.create_perm is None or self.request.user.can(self.create_perm)),
        )
        return context
