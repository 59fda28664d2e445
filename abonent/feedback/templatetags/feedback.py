from django import template

from abonent.feedback.views.panel import subject_panel

register = template.Library()


@register.inclusion_tag("feedback/_subject_panel.html", takes_context=True)
def feedback_subject_panel(context, appeal) -> dict:
    """On the appeal card of a complaint, thanks, suggestion or review: whom it is about."""
    request = context.get("request")
    return {**subject_panel(context["user"], appeal), "csrf_token": context.get("csrf_token"), "request": request}
