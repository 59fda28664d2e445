"""The payment provider's machine endpoint (mounted at /payments/)."""

from django.urls import path

from abonent.billing.payments import views

app_name = "payments"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
