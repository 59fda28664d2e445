"""Demo data of the reports: the head's improvement proposals in last month's report (call from seed_demo;
running it again changes nothing)."""

from django.utils import timezone

from abonent.reports.models import MonthlyReport
from abonent.reports.periods import add_months, month_start

PROPOSALS = (
    "1. В часы пиковой нагрузки (10:00–12:00) выводить на линию второго оператора: доля ответов за 12 с "
    "в эти часы ниже средней.\n"
    "2. Для тем «Расчёты, счета и оплата» и «Показания приборов учёта» дополнить базу типовых вопросов, "
    "чтобы отвечать на них за одно обращение.\n"
    "3. Жалобам без категории срочности назначать категорию в день регистрации."
)


def seed() -> MonthlyReport:
    month = add_months(month_start(timezone.localdate()), -1)
    report, _ = MonthlyReport.objects.get_or_create(month=month, defaults={"proposals": PROPOSALS})
    return report
