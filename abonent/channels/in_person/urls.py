from django.urls import path

from abonent.channels.in_person import views

app_name = "in_person"
urlpatterns = [
    path("", views.visit_log, name="log"),
    path("start/", views.visit_start, name="start"),
    path("documents/", views.document_register, name="documents"),
    path("<int:pk>/", views.visit_detail, name="visit"),
    path("<int:pk>/customers/", views.customer_search, name="customer_search"),
    path("<int:pk>/customers/<int:customer_pk>/", views.identify_panel, name="identify_panel"),
    path("<int:pk>/identify/", views.identify, name="identify"),
    path("<int:pk>/purposes/", views.purposes, name="purposes"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path("<int:pk>/appeal/", views.appeal_register, name="appeal"),
    path("<int:pk>/apology/", views.apology, name="apology"),
    path("<int:pk>/conflict/", views.conflict, name="conflict"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/stop/", views.stop, name="stop"),
]
