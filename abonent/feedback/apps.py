from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "abonent.feedback"
    verbose_name = "Обратная связь и анкетирование"
