"""Downloads of a work summary: Word (laid out as an official document), standalone HTML and Markdown.
Read like the summary page (another county's summary is 404), allowed to those who may export, audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from kechuang.core import audit, permissions
from kechuang.core.views import AuthedRequest, _visible_or_404

from . import exports, selectors
from .models import Summary
from .summary import Rendered, render

CONTENT_TYPES = {
    "docx": exports.DOCX_CONTENT_TYPE,
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def _export(request: AuthedRequest, pk: int, kind: str) -> tuple[Rendered, str]:
    summary = _visible_or_404(request, Summary, pk, selectors.summary_get)
    permissions.require(
        permissions.can_export(request.user), request.user, f"export summary {kind}", summary, what="summary"
    )
    rendered = render(summary)  # a frozen version from its snapshot: exactly what it was when frozen
    filename = exports.filename(rendered, kind)
    if summary.version > 1 or Summary.objects.filter(revises=summary).exists():
        stem, dot, suffix = filename.rpartition(".")
        filename = f"{stem}（{summary.version_label}）{dot}{suffix}"
    audit.record(
        "export",
        by=request.user,
        obj=summary,
        after={
            "format": kind,
            "state": summary.state,
            "version": summary.version,
            "period": rendered.period.label,
        },  # fmt: skip
        detail=_("导出工作总结 %(f)s") % {"f": filename},
    )
    return rendered, filename


def _attachment(data: bytes | str, kind: str, rendered: Rendered, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    header = content_disposition_header(True, filename) or "attachment"
    if "filename=" not in header:
        fallback = exports.ascii_filename(rendered, kind)
        header = header.replace("attachment;", f'attachment; filename="{fallback}";', 1)
    response["Content-Disposition"] = header
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def summary_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    rendered, filename = _export(request, pk, "docx")
    return _attachment(exports.build_docx(rendered), "docx", rendered, filename)


@login_required
def summary_html_export(request: AuthedRequest, pk: int) -> HttpResponse:
    rendered, filename = _export(request, pk, "html")
    return _attachment(exports.build_html(rendered), "html", rendered, filename)


@login_required
def summary_md(request: AuthedRequest, pk: int) -> HttpResponse:
    rendered, filename = _export(request, pk, "md")
    return _attachment(exports.build_markdown(rendered), "md", rendered, filename)


urlpatterns: list[URLPattern] = [
    path("summaries/<int:pk>/docx/", summary_docx, name="summary_docx"),
    path("summaries/<int:pk>/html/", summary_html_export, name="summary_html_export"),
    path("summaries/<int:pk>/md/", summary_md, name="summary_md"),
]
