"""Personal links: the row's random nonce, signed with the installation's secret, so a link can be
neither guessed nor altered; a changed character makes it invalid rather than someone else's."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SURVEY_SALT = "abonent.feedback.survey"
INVITATION_SALT = "abonent.feedback.invitation"


def sign(nonce: str, salt: str) -> str:
    return signing.Signer(salt=salt).sign(nonce)


def unsign(token: str, salt: str) -> str | None:
    """The nonce of a genuine token, or None for a tampered or foreign one."""
    try:
        return signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    """An address for a letter: the public base address of this installation plus the path."""
    base = settings.PUBLIC_BASE_URL
    return base.rstrip("/") + path


def survey_url(survey) -> str:
    return absolute(reverse("feedback:survey_answer", args=[sign(survey.nonce, SURVEY_SALT)]))


def invitation_url(invitation) -> str:
    return absolute(reverse("feedback:invitation_answer", args=[sign(invitation.nonce, INVITATION_SALT)]))
