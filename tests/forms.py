"""Reading a page's form as the browser would post it back, for tests that save through the pages."""

import re


def form_values(client, url):
    """The edit form's fields as the browser would post them back (inputs, selects, textareas)."""
    return parse_form(client.get(url).content.decode())


def parse_form(html):
    """What a browser would post back from this page's form, as it is displayed."""
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value.replace("&quot;", '"').replace("&amp;", "&")
    for m in re.finditer(r'<input(?![^>]*value=)[^>]*name="([^"]+)"', html):
        data.setdefault(m.group(1), "")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = selected.group(1) if selected else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = body.strip()
    for name in re.findall(r'<input[^>]*type="checkbox"[^>]*name="([^"]+)"', html):
        checked = re.search(rf'<input[^>]*name="{name}"[^>]*checked', html)
        if checked:
            data[name] = "on"
        else:
            data.pop(name, None)
    data.pop("csrfmiddlewaretoken", None)
    assert "_loaded" in data, "the edit form carries what it loaded"
    return data
