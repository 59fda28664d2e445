"""The test settings with the task queue on real RQ and Redis (make test-rq): the same tests, with every
task serialised into Redis and run by an RQ worker."""

from abonent.core.testing.rq import queues_config
from abonent.settings import TASK_QUEUES
from abonent.settings_test import *  # noqa: F403
from abonent.settings_test import INSTALLED_APPS

TASKS = {"default": {"BACKEND": "abonent.core.testing.rq.RQBurstBackend", "QUEUES": TASK_QUEUES}}
RQ_QUEUES = queues_config()
INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]
