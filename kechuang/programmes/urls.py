"""/programmes/: each page module declares its own urlpatterns; all share the `programmes` namespace."""

from . import (
    views_applications,
    views_backfill,
    views_catalogue,
    views_eligibility,
    views_funds,
    views_notices,
)

app_name = "programmes"
urlpatterns = [
    *views_catalogue.urlpatterns,
    *views_applications.urlpatterns,
    *views_funds.urlpatterns,
    *views_notices.urlpatterns,
    *views_eligibility.urlpatterns,
    *views_backfill.urlpatterns,
]
