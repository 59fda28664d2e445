"""Password reset by e-mail: Django's views with the portal's templates and forms."""

from axes.utils import reset as axes_reset
from django.contrib.auth import views as auth_views


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password from the letter proves the mailbox is the person's: a lockout of this login
    (by whoever guessed at it) is lifted, so the real person can log in at once."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
