from django.urls import include, path
from django.views.i18n import set_language

from kechuang.api import api
from kechuang.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/pending/", views.pending_signups, name="pending_signups"),
    path("accounts/pending/<int:pk>/decide/", views.signup_decide, name="signup_decide"),
    path("accounts/tokens/", views.api_tokens, name="api_tokens"),
    path("orgs/", views.organisation_list, name="organisation_list"),
    path("orgs/new/", views.organisation_create, name="organisation_create"),
    path("orgs/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("orgs/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("orgs/<int:pk>/delete/", views.organisation_delete, name="organisation_delete"),
    path("orgs/<int:pk>/years/", views.organisation_year, name="organisation_year"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("regions/", views.region_list, name="region_list"),
    path("streams/<slug:slug>/", views.stream, name="stream"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("data/", include("kechuang.imports.urls")),
    path("programmes/", include("kechuang.programmes.urls")),
    path("reports/", include("kechuang.reports.urls")),
    path("rnd/", include("kechuang.rnd.urls")),
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    # Accounts (system administrator) and role grants (security administrators); no Django admin site.
    path("", include("kechuang.core.urls_accounts")),
]

# Every error answers in the request's language: JSON under /api/, a page elsewhere; a busy database is 503.
handler400 = "kechuang.core.errors.bad_request"
handler403 = "kechuang.core.errors.permission_denied"
handler404 = "kechuang.core.errors.page_not_found"
handler500 = "kechuang.core.errors.server_error"
