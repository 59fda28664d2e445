"""The portal's login side: sign-up, login, password reset, profile and linking accounts."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from abonent.portal.auth import link, login, password, profile, signup
from abonent.portal.forms_auth import PortalPasswordResetForm, PortalSetPasswordForm

urlpatterns = [
    path("login/", login.login_view, name="login"),
    path("login/code/", login.login_otp_view, name="login_otp"),
    path("logout/", login.logout_view, name="logout"),
    path("signup/", signup.signup_view, name="signup"),
    path("signup/sent/", signup.signup_done_view, name="signup_done"),
    path("signup/confirm/<uidb64>/<token>/", signup.signup_confirm_view, name="signup_confirm"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        form_class=PortalPasswordResetForm,
        template_name="portal/auth/password_reset_form.html",
        email_template_name="portal/auth/email/password_reset.txt",
        subject_template_name="portal/auth/email/password_reset_subject.txt",
        success_url=reverse_lazy("portal:password_reset_done"),
    ), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="portal/auth/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", password.PasswordResetConfirmView.as_view(
        form_class=PortalSetPasswordForm,
        template_name="portal/auth/password_reset_confirm.html",
        success_url=reverse_lazy("portal:password_reset_complete"),
    ), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="portal/auth/password_reset_complete.html"), name="password_reset_complete"),
    path("profile/", profile.profile_view, name="profile"),
    path("profile/confirm-password/", profile.reauth_view, name="reauth"),
    path("profile/password/", profile.password_change_view, name="password_change"),
    path("profile/email/", profile.email_change_view, name="email_change"),
    path("profile/phone/", profile.phone_change_view, name="phone_change"),
    path("profile/email/<str:token>/", profile.email_change_confirm_view, name="email_change_confirm"),
    path("profile/two-factor/", profile.totp_setup_view, name="totp_setup"),
    path("profile/two-factor/codes/", profile.totp_backup_codes_view, name="totp_backup_codes"),
    path("profile/two-factor/codes/new/", profile.totp_new_codes_view, name="totp_new_codes"),
    path("profile/two-factor/off/", profile.totp_disable_view, name="totp_disable"),
    path("link/", link.link_account_view, name="link_account"),
]
