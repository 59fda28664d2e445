"""Notices and notification settings in the portal."""

from django.urls import path

from abonent.portal import views_notifications as views

urlpatterns = [
    path("notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/", views.notice, name="notice"),
    path("notifications/settings/", views.preferences, name="notifications"),
    path("notifications/contacts/", views.contact_list, name="contacts"),
    path("notifications/contacts/<int:contact_id>/confirm/", views.contact_confirm, name="contact_confirm"),
]
