from django.urls import path

from abonent.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_log, name="audit_log"),
    path("health/", views.health, name="health"),
    path("operations/", views.operations, name="operations"),
]
