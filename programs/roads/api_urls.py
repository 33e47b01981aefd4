"""JSON API of the road programme (mounted at /api/roads/)."""
from django.urls import path

app_name = "roads-api"

urlpatterns: list = []
