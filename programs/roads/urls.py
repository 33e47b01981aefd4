"""Pages of the road programme (mounted at /roads/)."""
from django.urls import path

app_name = "roads"

urlpatterns: list = []
