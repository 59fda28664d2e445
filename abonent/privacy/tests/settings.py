"""Test settings with the privacy app installed and mounted, for as long as abonent/settings.py and
abonent/urls.py do not list it yet: `pytest abonent/privacy --ds=abonent.privacy.tests.settings`.
Harmless (and unnecessary) once they do."""

from abonent.settings_test import *  # noqa: F403
from abonent.settings_test import INSTALLED_APPS

if "abonent.privacy" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "abonent.privacy"]
ROOT_URLCONF = "abonent.privacy.tests.urls"
