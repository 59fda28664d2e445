from django.urls import path

from abonent.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/report.<str:fmt>", views.monthly_export, name="monthly_export"),
    path("monthly/proposals/", views.proposals, name="proposals"),
    path("monthly/send/", views.send, name="send"),
    path("<slug:slug>/", views.report, name="report"),
    path("<slug:slug>/report.<str:fmt>", views.report_export, name="report_export"),
]
