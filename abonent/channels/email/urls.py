from django.urls import path

from abonent.channels.email import views

app_name = "email_channel"
urlpatterns = [
    path("quarantine/", views.quarantine, name="quarantine"),
    path("quarantine/<int:pk>/raw/", views.download, name="download"),
    path("quarantine/<int:pk>/resolve/", views.resolve, name="resolve"),
]
