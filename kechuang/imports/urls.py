from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("errors/<str:token>/", views.error_report, name="error_report"),
    path("<slug:slug>/template/", views.template, name="template"),
    path("<slug:slug>/export/", views.export, name="export"),
]
