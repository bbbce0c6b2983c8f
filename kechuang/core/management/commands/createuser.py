"""`kechuang createuser USERNAME --role ROLE [scope] [--password ...]`: create an account through
services.user_create (password rules, validation and audit as everywhere else).

This is the server operator's bootstrap of 三员分立: the three system roles (admin, security, auditor)
are granted here and only here, at once, audited as 命令行:<OS user>. A business role is not granted on
the operator's word alone: the command files a role-grant request that a security administrator approves
at /security/ (two persons). Either way the password was chosen by the operator, so its owner must
change it at the first login."""

from __future__ import annotations

import contextvars
import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kechuang.core import audit, services
from kechuang.core.creditcode import credit_code_error, normalise_credit_code
from kechuang.core.models import (
    ORGANISATION_ROLES,
    PERSON_ROLES,
    REGION_ROLES,
    REQUIRED_REGION_LEVEL,
    SYSTEM_ROLES,
    Organisation,
    Person,
    Region,
    Role,
    RoleGrantRequest,
    User,
)


def messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for msgs in exc.message_dict.values() for m in msgs]
    return [str(m) for m in exc.messages]


class Command(BaseCommand):
    # An operational command: it must work even while the pages or the API do not import.
    requires_system_checks: list[str] = []
    help = (
        "创建账号：系统管理员、安全管理员、审计员角色当即生效；业务角色提交授权申请，由安全管理员批准"
        "（密码须符合密码规则，本人首次登录须修改；不带 --password 时在终端提示输入）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        roles = "；".join(f"{r.value}={r.label}" for r in Role)
        parser.add_argument("username", help="账号（登录名）")
        parser.add_argument("--role", required=True, metavar="ROLE", help=f"角色：{roles}")
        parser.add_argument(
            "--region", help="管辖区域的区划代码（科技管理科、局领导：县级；市级：市级；省级：省级）"
        )
        parser.add_argument("--organisation", help="所属单位的统一社会信用代码（企业用户、县级部门）")
        parser.add_argument("--person", type=int, help="人员档案编号（专家、科技特派员）")
        parser.add_argument("--full-name", default="", help="姓名")
        parser.add_argument("--phone", default="", help="手机")
        parser.add_argument("--email", default="", help="电子邮箱")
        parser.add_argument("--password", help="密码（不建议在命令行明文给出；省略时在终端提示输入）")
        parser.add_argument("--reason", default="", help="业务角色的授权申请理由（由安全管理员审批）")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if options["role"] not in Role.values:
            choices = "、".join(f"{r.value}（{r.label}）" for r in Role)
            raise CommandError(f"未知角色“{options['role']}”，可选：{choices}。")
        role = Role(options["role"])
        if User.objects.filter(username=username).exists():
            raise CommandError(f"账号“{username}”已存在。")
        scope = self._scope(role, options)
        password = options["password"]
        if password is None:
            password = self._prompt_password()

        try:
            validate_password(
                password, User(username=username, full_name=options["full_name"], email=options["email"])
            )
        except ValidationError as exc:
            raise CommandError("密码不符合要求：\n  - " + "\n  - ".join(messages_of(exc))) from exc
        try:
            # A copy of the context, so the actor label does not outlive the command (tests, shells).
            user, request = contextvars.copy_context().run(
                self._create, username, password, role, scope, options
            )
        except ValidationError as exc:
            raise CommandError("无法创建账号：\n  - " + "\n  - ".join(messages_of(exc))) from exc

        where = next(iter(scope.values()), None)
        label = f"{role.label} · {where}" if where is not None else str(role.label)
        if request is None:
            self.stdout.write(self.style.SUCCESS(f"已创建账号 {user.username}（{label}）。"))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已创建账号 {user.username}，并提交角色授权申请 #{request.pk}（{label}）："
                    "须由安全管理员在“角色授权”（/security/）批准后生效。"
                )
            )
        self.stdout.write("该账号首次登录时须修改密码。")

    @transaction.atomic
    def _create(
        self, username: str, password: str, role: Role, scope: dict[str, Any], options: dict[str, Any]
    ) -> tuple[User, RoleGrantRequest | None]:
        audit.set_actor_label(f"命令行:{getpass.getuser()}")
        system = role in SYSTEM_ROLES
        user = services.user_create(
            by=None,
            username=username,
            password=password,
            full_name=options["full_name"],
            phone=options["phone"],
            email=options["email"],
            roles=[{"role": role, **scope}] if system else [],
        )
        if system:
            return user, None
        request = services.role_request_create(
            by=None, user=user, role=role, reason=options["reason"] or "命令行创建账号时申请", **scope
        )
        return user, request

    def _scope(self, role: Role, options: dict[str, Any]) -> dict[str, Any]:
        scope: dict[str, Any] = {}
        if role in REGION_ROLES:
            code = (options["region"] or "").strip()
            level = Region.Level(REQUIRED_REGION_LEVEL[role]).label
            if not code:
                raise CommandError(f"角色“{role.label}”须用 --region 指定{level}级区划代码（如 330824）。")
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"未知的区划代码“{code}”：行政区划表中没有这个代码。")
            if region.level != REQUIRED_REGION_LEVEL[role]:
                raise CommandError(
                    f"角色“{role.label}”的管辖区域须为{level}级，“{region.name}”（{code}）是{region.get_level_display()}级。"
                )
            scope["region"] = region
        elif options["region"]:
            raise CommandError(f"角色“{role.label}”不按区域授权，请去掉 --region。")
        if role in ORGANISATION_ROLES:
            code = normalise_credit_code(options["organisation"])
            if not code:
                raise CommandError(f"角色“{role.label}”须用 --organisation 指定所属单位的统一社会信用代码。")
            error = credit_code_error(code)
            organisation = Organisation.objects.filter(credit_code=code).first()
            if organisation is None:
                raise CommandError(error or f"未找到统一社会信用代码为“{code}”的单位，请先登记该单位。")
            scope["organisation"] = organisation
        elif options["organisation"]:
            raise CommandError(f"角色“{role.label}”不按单位授权，请去掉 --organisation。")
        if role in PERSON_ROLES:
            if options["person"] is None:
                raise CommandError(f"角色“{role.label}”须用 --person 指定人员档案编号。")
            person = Person.objects.filter(pk=options["person"]).first()
            if person is None:
                raise CommandError(f"未找到编号为 {options['person']} 的人员档案。")
            if role == Role.EXPERT and not person.is_expert:
                raise CommandError(f"人员“{person.name}”（{person.pk}）不是专家，不能授予专家角色。")
            if role == Role.COMMISSIONER and not person.is_commissioner:
                raise CommandError(
                    f"人员“{person.name}”（{person.pk}）不是科技特派员，不能授予科技特派员角色。"
                )
            scope["person"] = person
        elif options["person"] is not None:
            raise CommandError(f"角色“{role.label}”不关联人员档案，请去掉 --person。")
        return scope

    def _prompt_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError("未给出 --password，且标准输入不是终端，无法提示输入密码。")
        first = getpass.getpass("密码：")
        second = getpass.getpass("再次输入密码：")
        if first != second:
            raise CommandError("两次输入的密码不一致。")
        return first
