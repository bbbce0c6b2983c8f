"""三员分立 pages: accounts for the system administrator, role grants for the security administrators."""

from django.urls import path

from . import views_accounts as v

urlpatterns = [
    path("sysadmin/", v.account_list, name="account_list"),
    path("sysadmin/new/", v.account_create, name="account_create"),
    path("sysadmin/<int:pk>/active/", v.account_set_active, name="account_set_active"),
    path("sysadmin/<int:pk>/password/", v.account_reset_password, name="account_reset_password"),
    path("security/", v.role_requests, name="role_requests"),
    path("security/new/", v.role_request_new, name="role_request_new"),
    path("security/accounts/", v.role_accounts, name="role_accounts"),
    path("security/requests/<int:pk>/decide/", v.role_request_decide, name="role_request_decide"),
    path("security/roles/<int:pk>/revoke/", v.role_revoke, name="role_revoke"),
]
