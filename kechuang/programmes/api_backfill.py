"""REST API of 补录: a past paid claim recorded in one call, through the same service as the page and the
`paid_claims` register (backfill.paid_claim_backfill). Mounted by programmes/api.py's ROUTERS."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from kechuang.core import permissions
from kechuang.core.api import WRITE
from kechuang.core.api_auth import ApiRequest
from kechuang.core.api_schemas import InputSchema
from kechuang.core.creditcode import normalise_credit_code
from kechuang.core.models import Organisation, Role

from . import backfill as services_backfill
from . import backfill_payments, selectors
from .api_schemas import (
    ApplicationOut,
    AwardOut,
    DisbursementOut,
    Id,
    PlausibleDate,
    PositiveMoney,
    SourceValue,
    Year,
)
from .models import Programme


class PaidClaimIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(..., min_length=1, max_length=30, description="企业的统一社会信用代码")
    programme: Id = Field(..., description="政策奖励项目类别编号")
    year: Year = Field(..., description="申报（兑现）年度")
    call: str = Field("", max_length=100, description="批次名称；该年度只有一个批次或没有批次时留空")
    achievement: str = Field(..., min_length=1, max_length=200, description="奖励事项（须与奖励条款一致）")
    reference: str = Field(
        "",
        max_length=200,
        description="成果：证书编号、入库登记编号或项目（产品）名称（企业有多项同类成果时必填）",
    )
    decided_amount: PositiveMoney = Field(..., description="核定金额（元）")
    decision_reference: str = Field(..., min_length=1, max_length=60, description="核定文号")
    decided_on: PlausibleDate = Field(..., description="核定日期（早于今天）")
    paid_amount: PositiveMoney = Field(..., description="兑现金额（元），不超过核定金额")
    paid_on: PlausibleDate = Field(..., description="兑现日期（不早于核定日期、早于今天）")
    source: SourceValue = Field("county", description="资金来源")
    fiscal_year: Year | None = Field(None, description="预算年度；留空为兑现日期的年份")
    voucher_no: str = Field("", max_length=60, description="凭证号；留空为核定文号")
    notice_reference: str = Field("", max_length=60, description="兑现前公示的文号（如有）")
    notice_published_on: PlausibleDate | None = Field(None, description="公示开始日期（填公示文号时必填）")
    notice_working_days: int | None = Field(None, ge=1, le=30, description="公示期（工作日），留空为 5")


class PaidClaimOut(Schema):
    created: bool = Field(..., description="本次新登记（false：此前已补录，未重复登记）")
    application: ApplicationOut
    award: AwardOut
    disbursement: DisbursementOut | None = None
    notice_id: int | None = Field(None, description="补录公示编号")


backfill = Router(tags=["补录"])


@backfill.post(
    "/paid-claims",
    response={201: PaidClaimOut, 200: PaidClaimOut, **WRITE},
    summary="补录已兑现奖励",
    description=(
        "仅县科技管理科：登记以往年度已核定、已拨付的政策奖励，系统建立申报、核定结果和拨付记录（均标记为补录，"
        "办理记录按原日期登记）；填写公示文号时一并登记补录公示。所有日期须早于今天，核定金额不超过奖励条款的"
        "每家上限，补录的公示不能用于今天的兑现。同一企业、项目类别、年度和奖励事项已补录且内容相同时返回 200。"
    ),
)
def paid_claim_create(request: ApiRequest, payload: PaidClaimIn) -> Any:
    user = request.auth
    permissions.require(
        permissions.has_role(user, Role.STAFF), user, "api backfill paid claim", what="programmes.application"
    )
    data: dict[str, Any] = {
        k: v.strip() if isinstance(v, str) else v for k, v in payload.model_dump().items()
    }
    code = normalise_credit_code(data.pop("organisation"))
    organisation = Organisation.objects.filter(
        permissions.organisation_filter(user, for_change=True), credit_code=code
    ).first()
    if organisation is None:
        raise ValidationError({"organisation": _("未找到该统一社会信用代码的企业，或不在您管辖的县内。")})
    programme = (
        selectors.programme_list(user=user)
        .filter(pk=data.pop("programme"), kind=Programme.Kind.INCENTIVE)
        .first()
    )
    if programme is None:
        raise ValidationError({"programme": _("政策奖励项目类别不存在或您无权查看。")})
    result = services_backfill.paid_claim_backfill(
        by=user, data={**data, "organisation": organisation, "programme": programme}
    )
    body = {
        "created": result.created,
        "application": selectors.application_get(user=user, pk=result.application.pk),
        "award": selectors.award_get(user=user, pk=result.award.pk),
        "disbursement": (
            selectors.disbursement_list(user=user).get(pk=result.disbursement.pk)
            if result.disbursement
            else None
        ),
        "notice_id": result.notice.pk if result.notice else None,
    }
    return Status(201 if result.created else 200, body)


ROUTERS = [("/programmes/backfill", backfill)]


class AwardPaymentIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    award: Id = Field(..., description="立项/认定结果编号（科技计划项目、人才计划或创新团队）")
    amount: PositiveMoney = Field(..., description="金额（元）")
    paid_on: PlausibleDate = Field(..., description="拨付日期（不早于批准日期、早于今天）")
    reference: str = Field(..., min_length=1, max_length=60, description="补录依据：拨付或批复文件的文号")
    voucher_no: str = Field("", max_length=60, description="凭证号；留空为补录依据的文号")
    is_matching: bool = Field(False, description="县配套资金")
    source: SourceValue | None = Field(None, description="资金来源；县配套资金为县级财政（可留空）")
    fiscal_year: Year | None = Field(None, description="预算年度；留空为拨付日期的年份")
    note: str = Field("", max_length=300, description="备注")


@backfill.post(
    "/award-payments",
    response={201: DisbursementOut, **WRITE},
    summary="补录以往年度的项目、人才和团队资金拨付",
    description=(
        "仅县科技管理科：登记以往年度已拨付给科技计划项目、人才计划或创新团队的资金（如创新团队的县配套资金），"
        "按原拨付日期、标记为补录并注明依据的文号。拨付日期须早于今天、不早于批准日期；累计不超过核定（或配套）金额；"
        "同一凭证号只登记一次。政策奖励的历史兑现请用 /paid-claims。"
    ),
)
def award_payment_create(request: ApiRequest, payload: AwardPaymentIn) -> Any:
    user = request.auth
    data = {k: v.strip() if isinstance(v, str) else v for k, v in payload.model_dump().items()}
    award = selectors.award_list(user=user).filter(pk=data.pop("award")).first()
    if award is None:
        raise ValidationError({"award": _("立项/认定结果不存在或您无权查看。")})
    disbursement = backfill_payments.award_payment_backfill(by=user, award=award, data=data)
    return Status(201, selectors.disbursement_list(user=user).get(pk=disbursement.pk))
