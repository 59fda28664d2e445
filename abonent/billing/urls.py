from django.urls import include, path

from abonent.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.imports, name="imports"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("", include("abonent.billing.urls_readings")),
]
