"""Root URL configuration: the routes live in app/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("app.urls")),
]
