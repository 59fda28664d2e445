"""Home-page tiles per role: the reception group head's queues, the sales head's month against the last."""

import pytest
import time_machine
from django.urls import reverse

from abonent.core.dashboard import tiles_for
from abonent.reports import dashboard
from abonent.reports.tests.conftest import staff
from abonent.reports.tests.factories import appeal, local
from abonent.users import roles

pytestmark = pytest.mark.django_db


def report_tiles(user):
    return list(dashboard.tiles(user))


def test_reception_head_sees_each_queue_with_due_soon_and_overdue(reception_head, october):
    appeal(registered=local(2026, 11, 2), department=october.departments["sales"], due=local(2026, 11, 12))
    tiles = {t.title: (t.count, t.tone, t.url) for t in report_tiles(reception_head)}
    audit, sales = october.departments["audit"], october.departments["sales"]
    reception = october.departments["reception"]
    assert tiles == {
        "в работе: ГПП (срок скоро — 0, просрочено — 0)": (1, "", f"/appeals/?tab=all&department={reception.pk}"),
        "в работе: ОПЭЮЛ (срок скоро — 1, просрочено — 0)": (2, "warn", f"/appeals/?tab=all&department={sales.pk}"),
        "в работе: ОТА (срок скоро — 0, просрочено — 3)": (3, "bad", f"/appeals/?tab=all&department={audit.pk}"),
        "ждут обратного звонка": (0, "", "/callcentre/board/"),
    }


def test_sales_head_sees_the_month_against_the_one_before(sales_head, october):
    with time_machine.travel(local(2026, 10, 31, 15), tick=False):
        tiles = [(t.count, t.title, t.tone) for t in report_tiles(sales_head)]
    assert tiles == [
        (8, "обращений с 01.10 (01.09–30.09: было 3, +166,7\u00a0%)", ""),
        (60, "% ответов в срок в октябре (01.09–30.09: было 100,0\u00a0%, −40,0\u00a0п.п.)", "warn"),
        (2, "жалоб с 01.10 (01.09–30.09: было 0)", "warn"),
        (60, "% звонков с ответом за 12 с в октябре (01.09–30.09: было 100,0\u00a0%, −40,0\u00a0п.п.)", "warn"),
    ]


def test_sales_head_compares_the_same_days_of_the_month_before(sales_head, october):
    with time_machine.travel(local(2026, 10, 2, 15), tick=False):
        first = report_tiles(sales_head)[0]
    # 1–2 October: a1, a2 and a5 (00:30 on the 1st); 1–2 September: a12, a13.
    assert (first.count, first.title) == (3, "обращений с 01.10 (01.09–02.09: было 2, +50,0\u00a0%)")


@pytest.mark.parametrize("role", [roles.AUDIT_HEAD, roles.RECEPTION, roles.EXECUTOR, roles.CALL_CENTRE])
def test_other_roles_get_no_report_tiles(report_roles, now, role):
    assert report_tiles(staff("someone", role, "audit")) == []


def test_home_page_shows_the_tiles(client, sales_head, reception_head, october):
    client.force_login(sales_head)
    html = client.get(reverse("core:home")).content.decode()
    assert "% ответов в срок в ноябре" in html
    assert "в работе: ОТА" not in html
    client.force_login(reception_head)
    html = client.get(reverse("core:home")).content.decode()
    assert "в работе: ОТА (срок скоро — 0, просрочено — 3)" in html
    assert any(t.title.startswith("в работе: ОТА") for t in tiles_for(reception_head))
