from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "abonent.calendar"
    label = "calendar"
    verbose_name = "Производственный календарь"
