from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "abonent.feedback"
    label = "feedback"
    verbose_name = "Обратная связь и анкетирование"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from abonent.core import dashboard
        from abonent.core.reseed import reseed_after_flush
        from abonent.feedback import dashboard as feedback_tiles
        from abonent.feedback import models as m

        dashboard.register(feedback_tiles.tiles)
        reseed_after_flush(self, migration="0002_default_survey_policy", model="feedback.SurveyPolicy")

        auditlog.register(m.FeedbackSubject)
        auditlog.register(m.SurveyPolicy)
        auditlog.register(m.Questionnaire)
