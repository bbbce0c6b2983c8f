"""The demo county's summary: written from the demo records, all eight sections, the built streams with
figures and the others saying plainly that there is nothing to cite yet."""

from django.utils import timezone

from kechuang.core.demo import KAIHUA, build_demo
from kechuang.core.models import Region, User
from kechuang.reports import summary as s
from kechuang.reports.exports import build_docx, build_markdown
from kechuang.reports.figures import Period


def test_the_demo_countys_summary_renders_all_eight_sections(reference):
    build_demo(scale=0.1)
    staff = User.objects.get(username="kh_staff")
    last_year = Period.year_of(timezone.localdate().year - 1)
    summary = s.summary_create(by=staff, county=Region.objects.get(code=KAIHUA), period=last_year)
    rendered = s.render(summary)
    assert len(rendered.sections) == 8
    with_data = {sec.number for sec in rendered.sections if sec.has_data}
    assert with_data == {1, 2, 3, 4, 6}  # the programmes engine's streams and R&D input
    for section in rendered.sections:
        assert section.paragraphs, section.heading
        if section.number not in with_data:
            assert section.paragraphs[0].plain == s.NO_DATA
    # The demo has money paid and qualifications recognised last year: the sentences carry numbers.
    assert rendered.figures["policy.money_paid"].evidence_count > 0
    assert rendered.figures["entities.new_qualifications"].evidence_count > 0
    assert rendered.figures["rnd.rd_ytd"].evidence_count > 0 and "R&D" in rendered.figures["rnd.rd_ytd"].text
    markdown = build_markdown(rendered)
    # printed: the five sections with data, （一）…（五）; 5, 7 and 8 left out, no "no data" note
    assert markdown.count("\n### ") == 5 and "万元" in markdown and s.NO_DATA not in markdown
    assert "### （五）招才引智工作" in markdown
    assert build_docx(rendered)[:2] == b"PK"
