from django.urls import path

from abonent.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.journal, name="journal"),
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("customers/<int:customer_id>/", views.customer_history, name="customer_history"),
    path("customers/<int:customer_id>/limitation/", views.limitation, name="limitation"),
    path("types/", views.types, name="types"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("types/<int:pk>/preview/", views.preview, name="preview"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/run/", views.rule_run, name="rule_run"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/dry-run/", views.campaign_dry_run, name="campaign_dry_run"),
    path("campaigns/<int:pk>/approve/", views.campaign_approve, name="campaign_approve"),
    path("campaigns/<int:pk>/cancel/", views.campaign_cancel, name="campaign_cancel"),
]
