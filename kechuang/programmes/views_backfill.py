"""The 补录 page: staff enter one past claim (decided and paid) with its original dates and documents;
many at once go through the `paid_claims` register (the page links to its template and upload)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from kechuang.core import permissions
from kechuang.core.models import Role
from kechuang.core.views import AuthedRequest, _apply_errors

from . import backfill
from .forms_backfill import PaidClaimForm


@login_required
def paid_claim_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    permissions.require(
        permissions.has_role(user, Role.STAFF), user, "backfill.paid_claim", what="programmes.application"
    )
    form = PaidClaimForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            result = backfill.paid_claim_backfill(by=user, data=form.service_data())
        except ValidationError as e:
            _apply_errors(form, e)
        else:
            if result.created:
                messages.success(request, _("已补录：%(a)s") % {"a": result.application})
            else:
                messages.info(request, _("该奖励此前已补录，未重复登记：%(a)s") % {"a": result.application})
            return redirect("programmes:application_detail", pk=result.application.pk)
    return render(request, "programmes/backfill_claim_form.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("backfill/claims/new/", paid_claim_create, name="backfill_claim_create"),
]
