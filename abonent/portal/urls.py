"""The portal's URLs: the login and account-linking part and the account pages are written separately."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("abonent.portal.urls_account")),
    path("", include("abonent.portal.urls_auth")),
    path("", include("abonent.portal.urls_readings")),
    path("", include("abonent.portal.urls_payments")),
    path("", include("abonent.portal.urls_notifications")),
]
