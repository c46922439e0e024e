"""The quoted names of a model's table and columns, for the stores' hand-written SQL: from
``_meta``, so a ``db_table`` or ``db_column`` change reaches every statement."""

from __future__ import annotations

from django.db import connection
from django.db.models import Field, Model


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """The column of the field ``name`` (a foreign key's ``..._id``), quoted."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a column"
    assert field.column, f"{model.__name__}.{name} is not a column"
    return connection.ops.quote_name(field.column)
