"""The spend ledger in the ops console: read-only rows; a manual spend goes through the
record-spend service (so it pauses what it must, in the same transaction)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.forms.models import construct_instance
from django.http import HttpRequest

from campaigns.rules import PauseReason
from core.actors import Actor
from ops.admin_base import ServiceModelAdmin
from ops.generics import ModelForm
from spending.models import MANUAL_SOURCE, Spend
from spending.services import spend_record


class SpendRecordForm(ModelForm[Spend]):
    # The text as typed: the record-spend service parses it (spending.validation, the one
    # validator of spend), so its message comes back here beside the other fields' ones.
    amount = forms.CharField(max_length=32, help_text='Greater than zero, at most two decimals: "12.50".')

    class Meta:
        model = Spend
        fields = ("campaign", "amount", "date", "description", "source", "external_id")
        help_texts = {
            "date": "The brand's local date; empty means today in the brand's time zone.",
            "external_id": "Optional idempotency key: the same key (per source) is recorded once.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "date" in self.fields:  # the add form (existing spend is read-only)
            self.fields["date"].required = False
            self.fields["source"].initial = MANUAL_SOURCE

    def _post_clean(self) -> None:
        # No model validation here: the record-spend service validates the record (amount,
        # date window, sizes, a repeated external_id) and its messages come back onto the
        # form's fields. Model validation would word a repeated key as a constraint name.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


@admin.register(Spend)
class SpendAdmin(ServiceModelAdmin[Spend]):
    form = SpendRecordForm
    list_display = (
        "date",
        "brand",
        "campaign",
        "amount",
        "source",
        "external_id",
        "description",
        "created_at",
    )
    list_select_related = ("brand", "campaign")
    list_filter = ("brand", "campaign", "source", "date")
    search_fields = ("campaign__name", "brand__name", "external_id", "description")
    date_hierarchy = "date"
    list_per_page = 100
    autocomplete_fields = ("campaign",)
    fields = ("campaign", "amount", "date", "description", "source", "external_id")

    def get_readonly_fields(self, request: HttpRequest, obj: Spend | None = None) -> Any:
        if obj is None:
            return ()
        return ("brand", *self.fields, "created_at")

    def get_fields(self, request: HttpRequest, obj: Spend | None = None) -> Any:
        if obj is None:
            return self.fields
        return ("brand", *self.fields, "created_at")

    def has_change_permission(self, request: HttpRequest, obj: Spend | None = None) -> bool:
        # The ledger is append-only: a correction is a new record.
        return False

    def service_save(self, request: HttpRequest, form: Any, formsets: list[Any], change: bool) -> Spend:
        data = form.cleaned_data
        outcome = spend_record(
            campaign_id=data["campaign"].pk,
            amount=data["amount"],
            date=data.get("date"),
            description=data.get("description") or "",
            source=data.get("source") or MANUAL_SOURCE,
            external_id=data.get("external_id") or None,
            actor=Actor.for_user(request.user),
        )
        campaign = data["campaign"]
        if not outcome.created:
            self.message_user(
                request,
                f"External id {outcome.spend.external_id} of source {outcome.spend.source} was already "
                f"recorded (spend {outcome.spend.pk}); nothing new was added.",
                messages.WARNING,
            )
        state = outcome.campaign_state
        if not state.is_active and state.pause_reason:
            self.message_user(
                request,
                f"Campaign {campaign.name} is not serving: {PauseReason(state.pause_reason).label}.",
                messages.WARNING,
            )
        return outcome.spend
