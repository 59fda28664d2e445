"""/privacy/: staff pages of personal-data work and the portal login's own export."""

from django.urls import path

from abonent.privacy import views, views_portal

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("subject/", views.subject, name="subject"),
    path("retention/", views.retention_page, name="retention"),
    path("retention/<slug:kind>/", views.policy_update, name="policy_update"),
    path("acts/<int:pk>/", views.act, name="act"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("my/", views_portal.my_data, name="my_data"),
]
