"""Online payment in the portal."""

from django.urls import path

from abonent.portal import views_payments

urlpatterns = [
    path("pay/<int:account_id>/", views_payments.pay, name="pay"),
    path("payments/", views_payments.payment_list, name="payments"),
    # The same name with an account: {% url 'portal:payments' account.pk %} lists that account's payments.
    path("accounts/<int:account_id>/payments/", views_payments.payment_list, name="payments"),
    path("payments/<uuid:payment_id>/", views_payments.payment_return, name="payment_return"),
]
