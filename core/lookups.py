"""``among``: a filter on "this column is one of these values" that sends the values as one
array on PostgreSQL.

``filter(brand_id__in=ids)`` with thousands of ids makes Django prepare one placeholder per
id and PostgreSQL parse one constant per id; a sweep or a reset filters by the ids of a
whole chunk of brands or campaigns. ``filter(among(Campaign, "brand", ids))`` is
``"campaigns_campaign"."brand_id" = ANY(%s::bigint[])`` with one parameter on PostgreSQL
(``core.pgdriver.array_param``), and the plain ``__in`` lookup elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Field, Model, Q
from django.db.models.expressions import RawSQL

from core import pgdriver, sqlnames


def among(model: type[Model], name: str, values: Iterable[Any]) -> Q | RawSQL:
    """The rows of ``model`` whose field ``name`` is one of ``values``: a ``filter()`` argument."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a column"
    assert field.column, f"{model.__name__}.{name} is not a column"
    if connection.vendor != "postgresql":
        return Q(**{f"{field.attname}__in": list(values)})
    column = f"{sqlnames.table(model)}.{sqlnames.column(model, name)}"
    return RawSQL(  # noqa: S611 - names from _meta, the values one bound parameter
        f"{column} = ANY(%s::{field.db_type(connection)}[])",
        [pgdriver.array_param(values)],
        output_field=BooleanField(),
    )
