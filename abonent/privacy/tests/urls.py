"""The project's URLs, plus /privacy/ when abonent/urls.py does not mount it yet."""

from django.urls import include, path

from abonent.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "privacy" for p in urlpatterns):
    urlpatterns.insert(0, path("privacy/", include("abonent.privacy.urls")))
