"""The spend ledger in the ops console: read-only rows; a manual spend goes through the
record-spend service (so it pauses what it must, in the same transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.filters import RelatedFieldListFilter
from django.db.models import Field, Model
from django.forms.models import construct_instance
from django.http import HttpRequest, HttpResponse

from campaigns.models import Campaign
from campaigns.rules import PauseReason
from core.actors import Actor
from ops.admin_base import ServiceModelAdmin
from ops.display import campaign_label, money
from ops.exports import ListExportMixin, SpendExport
from ops.generics import ModelAdmin, ModelForm
from ops.selectors import spend_totals
from spending.models import MANUAL_SOURCE, Spend
from spending.services import spend_record

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def label(campaign: Campaign) -> str:
    return campaign_label(campaign.brand.name, campaign.name)


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
        campaign = self.fields.get("campaign")
        if campaign is not None:  # the chosen campaign shows as "Acme / Black Friday"
            campaign.queryset = campaign.queryset.select_related("brand")  # type: ignore[attr-defined]
            campaign.label_from_instance = label  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # No model validation here: the record-spend service validates the record (amount,
        # date window, sizes, a repeated external_id) and its messages come back onto the
        # form's fields. Model validation would word a repeated key as a constraint name.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class CampaignFilter(RelatedFieldListFilter):
    """Campaigns by label ("Acme / Campaign 1"), ordered by brand, in one query."""

    def field_choices(
        self, field: Field[Any, Any], request: HttpRequest, model_admin: ModelAdmin[Model]
    ) -> list[tuple[str, StrOrPromise]]:
        rows = Campaign.objects.order_by("brand__name", "name").values_list("pk", "brand__name", "name")
        return [(str(pk), campaign_label(brand, name)) for pk, brand, name in rows]


@admin.register(Spend)
class SpendAdmin(ListExportMixin, ServiceModelAdmin[Spend]):
    form = SpendRecordForm
    resource_classes = (SpendExport,)
    change_list_template = "admin/spending/spend/change_list.html"  # adds the filtered rows' totals
    list_display = (
        "date",
        "campaign_label",
        "amount_display",
        "source",
        "external_id",
        "description",
        "created_at",
    )
    list_select_related = ("brand", "campaign")
    # The ledger is the largest table: one COUNT for the filtered rows, not a second for all.
    show_full_result_count = False
    list_filter = ("brand", ("campaign", CampaignFilter), "source", "date")
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

    @admin.display(description="Campaign", ordering="brand__name")
    def campaign_label(self, obj: Spend) -> str:
        return campaign_label(obj.brand.name, obj.campaign.name)

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: Spend) -> str:
        return money(obj.amount, obj.brand.currency)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            # The totals of every row the filters and search keep, not only this page's.
            context["spend_totals"] = [
                {"spends": total.spends, "amount": money(total.amount, total.currency)}
                for total in spend_totals(context["cl"].queryset)
            ]
        return response

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
                f"Campaign {label(campaign)} is not serving: {PauseReason(state.pause_reason).label}.",
                messages.WARNING,
            )
        return outcome.spend
