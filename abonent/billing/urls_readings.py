"""Staff entry of meter readings; included into billing/urls.py (namespace «billing»)."""

from django.urls import path

from abonent.billing import views_readings

urlpatterns = [
    path("customers/<int:customer_id>/readings/", views_readings.customer_readings, name="customer_readings"),
]
