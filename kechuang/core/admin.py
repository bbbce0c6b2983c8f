"""Django's admin site, for the system administrator only: accounts and their roles. Business data
and the audit log are deliberately not registered here (三员分立: the administrator can't read the log).
Every save and delete made here is audited like any other write."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from . import audit, permissions
from .models import RoleAssignment, User


def _admin_site_permission(request: HttpRequest) -> bool:
    return bool(
        request.user.is_active and request.user.is_staff and permissions.can_manage_accounts(request.user)
    )


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
            created = obj.pk is None
            obj.full_clean()
            obj.save()
            audit.record(
                "create" if created else "update", by=request.user, obj=obj, after=audit.snapshot(obj)
            )
        formset.save_m2m()


class RoleInline(admin.TabularInline):
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
        ("状态", {"fields": ("is_active", "is_staff", "password_changed_at", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["password_changed_at", "last_login", "date_joined"]

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            audit.record(
                "password_reset", by=request.user, obj=User.objects.get(pk=id), detail="系统管理员重置密码"
            )
        return response


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    list_display = ["user", "role", "region", "organisation", "person"]
    list_filter = ["role"]
    search_fields = ["user__username", "organisation__name", "region__name"]
    raw_id_fields = ["user", "region", "person"]
    autocomplete_fields = ["organisation"]


class OrganisationLookup(admin.ModelAdmin):
    """Only so the role form can search organisations by name; not shown in the admin index."""

    search_fields = ["name", "credit_code"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False


from .models import Organisation  # noqa: E402

admin.site.register(Organisation, OrganisationLookup)
