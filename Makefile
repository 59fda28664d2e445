# abonent: `make run` starts the whole system on SQLite with demo data; `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run install db test test-pg test-rq restore-drill faults lint check clean bench

$(STAMP): pyproject.toml
	@test -x $(PY) || { PYTHON=$$(scripts/find-python) && "$$PYTHON" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)
	@scripts/system-packages

db: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --no-input --verbosity 0

run: db
	ALLOW_DEMO_DATA=true $(PY) manage.py seed_demo
	@echo
	@echo "Открывайте http://127.0.0.1:8000/ — вход сотрудников по логинам выше, пароль demo."
	@echo
	ALLOW_DEMO_DATA=true STAFF_OTP_REQUIRED=false $(VENV)/bin/honcho start

test: install
	$(VENV)/bin/pytest -n 2 --dist loadfile

test-pg: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/abonent} $(VENV)/bin/pytest -n 2 --dist loadfile --create-db

# The task-dependent tests again with the queue on real RQ and Redis (REDIS on 127.0.0.1:6379).
RQ_TESTS = abonent/appeals/tests/test_replies.py abonent/appeals/tests/test_workflow.py \
	abonent/channels/email/tests/test_outbox.py abonent/channels/email/tests/test_intake.py abonent/channels/edo \
	abonent/core/tests/test_rq_backend.py
test-rq: install
	$(VENV)/bin/pytest -n 2 --dist loadfile --ds=abonent.settings_test_rq -m "not browser" $(RQ_TESTS)

# Backup, wipe and restore a PostgreSQL installation with its files; the data must come back identical.
restore-drill: install
	scripts/restore-drill

# Fault drills on PostgreSQL: registration while database connections are killed; a worker killed mid-batch
# of acknowledgements; an intake worker killed while it registers recorded mail.
faults: install
	$(PY) -m faults.registration_under_db_drops
	$(PY) -m faults.worker_killed_mid_batch
	$(PY) -m faults.intake_worker_killed

# Speed at scale, side by side with django-helpdesk (bench/README.md): PostgreSQL on 127.0.0.1:5432, loopback only.
# BENCH_SIZE=100000 for a quick run; the seeded databases are reused by the next run.
bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check abonent
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
