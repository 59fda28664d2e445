"""Staff login's second step, enrolment, the own security page and the IT administrator's resets."""

from django.urls import path

from abonent.core import views_otp

app_name = "security"
urlpatterns = [
    path("login/code/", views_otp.otp_verify_view, name="otp_verify"),
    path("login/two-factor/", views_otp.otp_setup_view, name="otp_setup"),
    path("login/two-factor/codes/", views_otp.otp_backup_codes_view, name="otp_backup_codes"),
    path("login/confirm-password/", views_otp.reauth_view, name="reauth"),
    path("security/", views_otp.security_view, name="profile"),
    path("security/password/", views_otp.password_change_view, name="password_change"),
    path("security/codes/new/", views_otp.backup_codes_new_view, name="backup_codes_new"),
    path("security/sessions/end-others/", views_otp.sessions_end_others_view, name="sessions_end_others"),
    path("security/staff/", views_otp.staff_second_factors_view, name="staff"),
    path("security/staff/<int:pk>/reset/", views_otp.staff_second_factor_reset_view, name="staff_reset"),
    path("security/staff/<int:pk>/sessions/end/", views_otp.staff_sessions_end_view, name="staff_sessions_end"),
]
