"""The service's routes. The server span is named after the pattern, e.g. "GET process/<str:item_id>"."""

from django.urls import path

from app import views

urlpatterns = [
    path("healthz", views.healthz),
    path("process/<str:item_id>", views.process_item),
    path("items/<str:item_id>/visits", views.record_visit),
]
