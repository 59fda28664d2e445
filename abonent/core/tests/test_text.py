"""Text from outside made storable: what no database keeps is stripped or detected, nothing else changes."""

import pytest

from abonent.core.text import is_storable, storable_json, strip_control


def test_strip_control_keeps_tabs_line_breaks_and_russian_text():
    assert strip_control("Вопрос\x00 по\tсчёту\r\n\x01\x1f\x7f№ 5\ud800") == "Вопрос по\tсчёту\r\n№ 5"


@pytest.mark.parametrize(("text", "storable"), [("Иванов\x01", True), ("a\x00b", False), ("\udc80", False),
                                                 ("", True)])
def test_is_storable_refuses_only_nul_and_lone_surrogates(text, storable):
    assert is_storable(text) is storable


def test_storable_json_cleans_every_string_and_non_finite_numbers():
    value = {"a\x00": ["x\x00", float("nan"), float("-inf"), 1.5, 2, None, True], 3: {"b": "\ud800c"}}
    assert storable_json(value) == {"a": ["x", "nan", "-inf", 1.5, 2, None, True], "3": {"b": "c"}}


def test_the_empty_choice_of_select_fields_is_russian():
    """Django 6.1's «- Select an option -» has no Russian translation yet; core's ready() sets ours."""
    from django.db import models

    field = models.CharField(choices=[("a", "А")], blank=True)
    assert field.formfield().choices[0] == ("", "— выберите —")
