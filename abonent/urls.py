from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from abonent.core.views_otp import StaffLoginView

admin.site.site_header = "Абонент — администрирование"
admin.site.site_title = "Абонент"
admin.site.index_title = "Справочники"

urlpatterns = [
    path("login/", StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("abonent.core.urls_otp")),
    path("admin/", admin.site.urls),
    path("customers/", include("abonent.customers.urls")),
    path("appeals/", include("abonent.appeals.urls")),
    path("reception/", include("abonent.channels.in_person.urls")),
    path("callcentre/", include("abonent.channels.phone.urls")),
    path("mail/", include("abonent.channels.email.urls")),
    path("edo/", include("abonent.channels.edo.urls")),
    path("billing/", include("abonent.billing.urls")),
    path("payments/", include("abonent.billing.payments.urls")),
    path("notifications/", include("abonent.notifications.urls")),
    path("feedback/", include("abonent.feedback.urls")),
    path("reports/", include("abonent.reports.urls")),
    path("portal/", include("abonent.portal.urls")),
    path("privacy/", include("abonent.privacy.urls")),
    path("api/", include("abonent.api.urls")),
    path("site/", include("abonent.site.urls")),
    path("", include("abonent.core.urls")),
]
