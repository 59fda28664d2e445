"""`{% billing_summary customer as billing %}`: the billing panel's data for the staff cards (customer card,
call card), which include `billing/_customer_billing.html` without knowing about billing."""

from django import template

from abonent.billing.selectors import customer_billing

register = template.Library()


@register.simple_tag(takes_context=True)
def billing_summary(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return customer_billing(None, None)
    return customer_billing(user, customer)
