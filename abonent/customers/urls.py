from django.urls import path

from abonent.customers import views, views_portal_access

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contracts/new/", views.contract_create, name="contract_create"),
    path("<int:pk>/accounts/new/", views.account_create, name="account_create"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/representatives/new/", views.representative_create, name="representative_create"),
    path("<int:pk>/portal-access/", views_portal_access.portal_access, name="portal_access"),
    path("<int:pk>/portal-access/grant/", views_portal_access.portal_access_grant, name="portal_access_grant"),
    path("<int:pk>/portal-access/<int:access_id>/decide/", views_portal_access.portal_access_decide,
         name="portal_access_decide"),
    path("<int:pk>/accounts/<int:account_id>/link-code/", views_portal_access.portal_access_new_code,
         name="portal_access_new_code"),
    path("portal-requests/", views_portal_access.portal_requests, name="portal_requests"),
]
