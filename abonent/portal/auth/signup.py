"""Sign-up: the person's details, a password and the consent to personal-data processing; then a letter
with a signed link, and the login works once the link is opened and the password entered there.

The page after sign-up says the same whether or not the address was free, so the form does not tell
which addresses have logins; the owner of a taken address gets a letter saying someone tried."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from abonent.core.http import client_ip
from abonent.portal.auth.common import operator_name, send_portal_mail
from abonent.portal.forms_auth import PasswordForm, SignUpForm
from abonent.users import portal_logins
from abonent.users.models import User

SENT_TO_KEY = "portal_signup_sent_to"


def consent_text() -> str:
    return portal_logins.CONSENT_TEXT.format(operator=operator_name())


def send_confirmation(request: HttpRequest, user: User) -> None:
    path = reverse("portal:signup_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": portal_logins.confirmation_tokens.make_token(user),
    })
    send_portal_mail(subject="Подтвердите регистрацию в личном кабинете", template="signup_confirm.txt",
                     to=user.email, context={"user": user, "link": request.build_absolute_uri(path)})


@sensitive_post_parameters("password1", "password2")
@never_cache
def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    text = consent_text()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        registration = portal_logins.register_customer_login(
            data=portal_logins.SignUp(email=data["email"], last_name=data["last_name"].strip(),
                                      first_name=data["first_name"].strip(),
                                      middle_name=data["middle_name"].strip(), phone=data["phone"],
                                      password=data["password1"]),
            consent_text=text, ip_address=client_ip(request), user_agent=request.headers.get("user-agent", ""),
        )
        if registration.user is not None:
            send_confirmation(request, registration.user)
        else:
            send_portal_mail(subject="Попытка регистрации в личном кабинете", template="signup_exists.txt",
                             to=registration.email, context={"login_url": request.build_absolute_uri(
                                 reverse("portal:login")), "reset_url": request.build_absolute_uri(
                                 reverse("portal:password_reset"))})
        request.session[SENT_TO_KEY] = registration.email
        return redirect("portal:signup_done")
    return render(request, "portal/auth/signup.html", {
        "form": form, "consent_text": text, "consent_version": portal_logins.CONSENT_VERSION})


def signup_done_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/auth/signup_done.html", {"email": request.session.get(SENT_TO_KEY, "")})


def _user_from_uid(uidb64: str) -> User:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    user = User.objects.filter(pk=pk, kind=User.Kind.CUSTOMER).first()
    if user is None:
        raise Http404
    return user


@sensitive_post_parameters("password")
@never_cache
def signup_confirm_view(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _user_from_uid(uidb64)
    if user.email_confirmed_at is not None:
        messages.info(request, "Адрес электронной почты уже подтверждён. Войдите в личный кабинет.")
        return redirect("portal:login")
    valid = portal_logins.confirmation_tokens.check_token(user, token)
    form = PasswordForm(request.POST or None)
    if valid and request.method == "POST" and form.is_valid():
        try:
            portal_logins.confirm_email(user=user, token=token, password=form.cleaned_data["password"])
        except portal_logins.LoginError as error:
            form.add_error("password", error.message)
        else:
            messages.success(request, "Адрес электронной почты подтверждён. Теперь войдите в личный кабинет.")
            return redirect(f"{reverse('portal:login')}")
    return render(request, "portal/auth/signup_confirm.html", {"form": form, "valid": valid, "email": user.email},
                  status=200 if valid else 400)
