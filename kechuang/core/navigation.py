"""The eight work streams of DOMAIN.md, in the order the bureau reports them, and what the menu shows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import Role


@dataclass(frozen=True)
class Stream:
    slug: str
    number: int
    name: Any
    summary: Any

    @property
    def built(self) -> bool:
        return bool(STREAM_PAGES.get(self.slug))


STREAMS = (
    Stream("policy", 1, _("政策激励"), _("政策文件、企业奖励申报与审核兑现、科技创新券发放与兑付。")),
    Stream(
        "entities",
        2,
        _("创新主体培育"),
        _("高新技术企业、科技型中小企业、研发中心、重点实验室等资质的培育、推荐与到期提醒。"),
    ),
    Stream(
        "projects",
        3,
        _("科技计划项目"),
        _("国家、省、市科技计划项目的申报、立项、经费补助、中期检查与验收。"),
    ),
    Stream(
        "rnd", 4, _("R&D 经费投入"), _("企业研发项目与研发费用归集、统计报表报送跟踪、研发强度等指标与排名。")
    ),
    Stream("commissioners", 5, _("科技特派员"), _("特派员与团队、派驻批次、服务项目与成效、乡镇技术需求。")),
    Stream("talent", 6, _("招才引智"), _("人才计划推荐、创新团队与配套资金分期拨付。")),
    Stream("cooperation", 7, _("产学研合作"), _("企业技术需求与揭榜挂帅榜单、专家库匹配、对接活动与跟踪。")),
    Stream("outreach", 8, _("科技宣传教育"), _("企业专业培训、农村实用技术培训、科普活动与年度科普统计。")),
)
STREAMS_BY_SLUG = {s.slug: s for s in STREAMS}


class PermissionFlags:
    """What the menu and pages may offer this user; each flag asks the permission module."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def registers(self) -> bool:
        return permissions.has_role(
            self.user, Role.STAFF, Role.LEADER, Role.CITY, Role.PROVINCE, Role.ENTERPRISE, Role.DEPARTMENT
        )

    @cached_property
    def people(self) -> bool:
        return self.registers or permissions.has_role(self.user, Role.EXPERT, Role.COMMISSIONER)

    @cached_property
    def streams(self) -> bool:
        return bool(permissions.roles_of(self.user)) and not permissions.has_role(
            self.user, Role.ADMIN, Role.SECURITY, Role.AUDITOR
        )

    @cached_property
    def import_data(self) -> bool:
        return permissions.can_import(self.user)

    @cached_property
    def export(self) -> bool:
        return permissions.can_export(self.user)

    @cached_property
    def audit(self) -> bool:
        return permissions.can_read_audit(self.user)

    @cached_property
    def accounts(self) -> bool:
        return permissions.can_manage_accounts(self.user)

    @cached_property
    def roles(self) -> bool:
        return permissions.can_grant_roles(self.user)

    @cached_property
    def activate(self) -> bool:
        return permissions.has_role(self.user, Role.STAFF)


# --- extension points ------------------------------------------------------------------------------------
# Stream apps plug their pages into core's pages without core importing them: the stream page lists
# the app's links, and the home and organisation pages show the app's panels.


@dataclass(frozen=True)
class Link:
    label: Any
    url: str  # a URL name
    description: Any = ""
    visible: Any = None  # callable(user) -> bool; None means everyone who sees the stream


@dataclass(frozen=True)
class Panel:
    template: str
    context: Any  # callable(request, **objects) -> dict, or None to skip the panel


STREAM_PAGES: dict[str, list[Link]] = {}
HOME_PANELS: list[Panel] = []
ORGANISATION_PANELS: list[Panel] = []


def add_stream_links(slug: str, *links: Link) -> None:
    STREAM_PAGES.setdefault(slug, []).extend(links)


def links_for(slug: str, user: Any) -> list[Link]:
    return [link for link in STREAM_PAGES.get(slug, []) if link.visible is None or link.visible(user)]


def render_panels(panels: list[Panel], request: Any, **objects: Any) -> list[tuple[str, dict]]:
    """(template, context) for each panel that has something to show this user."""
    shown = []
    for panel in panels:
        context = panel.context(request, **objects)
        if context is not None:
            shown.append((panel.template, context))
    return shown
