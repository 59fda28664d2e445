from django.urls import path

from abonent.portal import views_readings

urlpatterns = [
    path("accounts/<int:account_id>/readings/", views_readings.account_readings, name="readings"),
    path("meters/<int:meter_id>/", views_readings.meter_detail, name="meter"),
    path("meters/<int:meter_id>/readings.csv", views_readings.meter_csv, name="meter_csv"),
]
