"""Admin and form base classes that can be subscripted at runtime.

django-stubs types ``ModelAdmin``, ``TabularInline`` and ``ModelForm`` as generics
(``ModelAdmin[Brand]``), which ``mypy --strict`` requires, but Django's own classes
cannot be subscripted at runtime (``django_stubs_ext.monkeypatch()`` would allow it, and
it is a development-only dependency here). For the type checker these names are
Django's classes; at runtime they are thin ``Generic`` subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from django import forms
from django.contrib import admin
from django.db.models import Model

_M = TypeVar("_M", bound=Model)
_P = TypeVar("_P", bound=Model)

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin as ModelAdmin
    from django.contrib.admin import TabularInline as TabularInline
    from django.forms import ModelForm as ModelForm
else:

    class ModelAdmin(admin.ModelAdmin, Generic[_M]):
        pass

    class TabularInline(admin.TabularInline, Generic[_M, _P]):
        pass

    class ModelForm(forms.ModelForm, Generic[_M]):
        pass


__all__ = ["ModelAdmin", "ModelForm", "TabularInline"]
