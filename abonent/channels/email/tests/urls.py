"""The project's URLs plus this channel's at "mail/", as the lead will mount them."""

from django.urls import include, path

from abonent.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("mail/", include("abonent.channels.email.urls"))]
