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
    # Checkboxes post the values of the checked ones ("on" without a value); several of one name (a multiple
    # choice) post a list, none checked posts nothing.
    boxes: dict[str, list[str]] = {}
    for tag in re.findall(r'<input[^>]*type="checkbox"[^>]*>', html):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        checked = boxes.setdefault(name.group(1), [])
        if re.search(r"\schecked", tag):
            value = re.search(r'value="([^"]*)"', tag)
            checked.append(value.group(1) if value else "on")
    for name, checked in boxes.items():
        data.pop(name, None)
        if checked:
            data[name] = checked if len(checked) > 1 or _is_multiple(html, name) else checked[0]
    data.pop("csrfmiddlewaretoken", None)
    assert "_loaded" in data, "the edit form carries what it loaded"
    return data


def _is_multiple(html, name):
    return len(re.findall(rf'<input[^>]*type="checkbox"[^>]*name="{re.escape(name)}"', html)) > 1
