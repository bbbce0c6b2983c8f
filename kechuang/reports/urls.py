"""/reports/: the work summary pages and the dashboards; each page module declares its urlpatterns."""

from . import views_dashboards, views_exports, views_summary

app_name = "reports"
urlpatterns = [*views_summary.urlpatterns, *views_exports.urlpatterns, *views_dashboards.urlpatterns]
