"""Django's admin site, for the system administrator only: accounts and their roles. Business data
and the audit log are deliberately not registered here (三员分立: the administrator can't read the log).
Every save and delete made here is audited like any other write."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from . import audit, permissions
from .models import SYSTEM_ROLES, Role, RoleAssignment, User

# Roles the administrator may grant here. The administrator and auditor roles are granted only with
# `kechuang createuser` on the server, so an administrator can't make themselves (or a friend) auditor.
GRANTABLE = [(value, label) for value, label in Role.choices if value not in SYSTEM_ROLES]


def _holds_system_role(user: Any) -> bool:
    return user is not None and user.roles.filter(role__in=SYSTEM_ROLES).exists()


def _may_manage(request: HttpRequest, target: Any) -> bool:
    """Never oneself, never another administrator or the auditor (三员分立)."""
    return target is None or (target.pk != request.user.pk and not _holds_system_role(target))


def _check_assignment(request: HttpRequest, assignment: RoleAssignment) -> None:
    allowed = assignment.role not in SYSTEM_ROLES and _may_manage(request, assignment.user)
    permissions.require(allowed, request.user, "admin.role_assignment", assignment.user)


def _admin_site_permission(request: HttpRequest) -> bool:
    user = request.user
    allowed = bool(user.is_active and user.is_staff and permissions.can_manage_accounts(user))
    if not allowed and user.is_authenticated:
        audit.record(
            "permission_denied", by=user, object_type="admin", result="denied", detail=f"admin {request.path}"
        )
    return allowed


admin.site.has_permission = _admin_site_permission  # type: ignore[method-assign]


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        b, a = audit.changed_only(before, audit.snapshot(obj))
        audit.record("update" if change else "create", by=request.user, obj=obj, before=b, after=a)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record("delete", by=request.user, obj=obj, before=audit.snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        audit.record_many(
            audit.build("delete", by=request.user, obj=o, before=audit.snapshot(o)) for o in queryset
        )
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit.record("delete", by=request.user, obj=obj, before=audit.snapshot(obj))
            obj.delete()
        for obj in instances:
            if isinstance(obj, RoleAssignment):
                _check_assignment(request, obj)
            created = obj.pk is None
            obj.full_clean()
            obj.save()
            audit.record(
                "create" if created else "update", by=request.user, obj=obj, after=audit.snapshot(obj)
            )
        formset.save_m2m()


class GrantableRoles:
    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role":
            kwargs["choices"] = [("", "---------"), *GRANTABLE]
        return super().formfield_for_choice_field(db_field, request, **kwargs)  # type: ignore[misc]


class RoleInline(GrantableRoles, admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["region", "person"]


@admin.register(User)
class KechuangUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "last_login", "date_joined"]
    list_filter = ["is_active", "roles__role"]
    search_fields = ["username", "full_name", "phone"]
    inlines = [RoleInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "phone", "email")}),
        ("状态", {"fields": ("is_active", "password_changed_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["password_changed_at", "last_login", "date_joined"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and _may_manage(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and _may_manage(request, obj)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        target = User.objects.filter(pk=id).first()
        permissions.require(_may_manage(request, target), request.user, "admin.password_reset", target)
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit.record(
                "password_reset", by=request.user, obj=User.objects.get(pk=id), detail="系统管理员重置密码"
            )
        return response


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(GrantableRoles, AuditedAdmin):
    list_display = ["user", "role", "region", "organisation", "person"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name", "region__name"]
    raw_id_fields = ["user", "region", "person"]
    autocomplete_fields = ["organisation"]

    def _manageable(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or (obj.role not in SYSTEM_ROLES and _may_manage(request, obj.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._manageable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._manageable(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _check_assignment(request, obj)
        super().save_model(request, obj, form, change)


class OrganisationLookup(admin.ModelAdmin):
    """Only so the role form can search organisations by name; not shown in the admin index."""

    search_fields = ["name", "credit_code"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Names for the role form's search box only; the register itself is not browsable here.
        match = request.resolver_match
        return bool(match and match.url_name == "autocomplete") and super().has_view_permission(request, obj)


from .models import Organisation  # noqa: E402

admin.site.register(Organisation, OrganisationLookup)
