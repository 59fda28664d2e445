import pytest

from abonent.users import roles

# The role permissions this app asks for in users/roles.py (see the feedback report): heads build
# questionnaires and read feedback. Until that file carries them, the tests grant them the same way.
FEEDBACK_HEAD_PERMISSIONS = ["feedback.build_questionnaire", "feedback.view_feedback"]


@pytest.fixture(autouse=True)
def _feedback_role_permissions(monkeypatch):
    for role in roles.HEAD_ROLES:
        current = roles.ROLE_PERMISSIONS[role]
        missing = [p for p in FEEDBACK_HEAD_PERMISSIONS if p not in current]
        monkeypatch.setitem(roles.ROLE_PERMISSIONS, role, current + missing)


@pytest.fixture
def head(supervisor):
    """The reception group's head, also made head of every department, so low ratings have an owner."""
    from abonent.organisation.models import Department

    Department.objects.update(head=supervisor)
    return supervisor


@pytest.fixture(autouse=True)
def _no_reply_pdfs(monkeypatch):
    """Replies here are sent for their surveys; rendering their PDFs (WeasyPrint) is the appeals' tests' job."""
    monkeypatch.setattr("abonent.appeals.documents.render_reply_pdf", lambda reply: b"%PDF-1.7 test")
