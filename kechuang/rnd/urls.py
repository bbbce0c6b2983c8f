"""/rnd/: each page module declares its own urlpatterns; all share the `rnd` namespace."""

from . import views_indicators, views_projects, views_returns

app_name = "rnd"
urlpatterns = [
    *views_projects.urlpatterns,
    *views_returns.urlpatterns,
    *views_indicators.urlpatterns,
]
