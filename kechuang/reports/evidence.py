"""How the records behind a figure are listed on its evidence page and in its Excel export: one `Table`
per model (related rows to fetch, columns, each record's page). Each app registers the tables of its own
models in `<app>/evidence.py` (loaded when Django starts, like figures.py), so the evidence page lists a
stream's records without reports knowing the stream; a model without a table gets a generic one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Column:
    header: Any
    get: Callable[[Any], Any]
    kind: str = "text"  # text | money | date | mono


@dataclass(frozen=True)
class Table:
    """How the records of one model are listed: related rows to fetch, columns, and each record's page."""

    related: tuple[str, ...]
    columns: tuple[Column, ...]
    link: Callable[[Any], str | None]


TABLES: dict[str, Table] = {}


def register_table(label: str, table: Table) -> None:
    """`label` is the model's app_label.model_name (lower case), as evidence ids are recorded."""
    TABLES[label] = table


def url(name: str, pk: Any, fallback: str) -> str | None:
    """A record's page by URL name, or its fixed path when the page is mounted by another module."""
    if pk is None:
        return None
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback.format(pk=pk)


def name_of(obj: Any) -> str:
    return obj.name if obj is not None else ""
