"""`{% todays_work as work %}` for the admin home page (templates/admin/index.html)."""

from django import template
from django.utils import timezone

from agency.workbench import staff_name as _staff_name
from agency.workbench import todays_work
from common.access import viewer_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def todays_work_for(context):
    request = context.get("request")
    if request is None or not request.user.has_perm("agency.view_deadline"):
        return None
    return todays_work(viewer=viewer_for_request(request), user=request.user, today=timezone.localdate(),
                       can=request.user.has_perm)


@register.filter
def days_overdue(deadline, today):
    return (today - deadline.due_on).days


@register.filter
def staff_name(user):
    return _staff_name(user)
