from django import template

from .. import units

register = template.Library()
register.filter("money", units.money)
register.filter("wanyuan", units.wanyuan)
register.filter("yiyuan", units.yiyuan)
register.filter("percent", units.percent)
register.filter("points", units.points)
register.filter("mu", units.mu)
register.filter("cndate", units.chinese_date)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):  # type: ignore[no-untyped-def]
    """The current query string with some parameters replaced (for pagination and filter links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"
