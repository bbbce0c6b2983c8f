"""Benchmarks that print figures (`make bench`). They use a throwaway SQLite database (or
BENCH_DATABASE_URL, e.g. a PostgreSQL one) and never assert a time: the figures are for people."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="kechuang-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{_tmp}/bench.sqlite3")
os.environ["KECHUANG_VAR_DIR"] = _tmp
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from kechuang.core import services  # noqa: E402
from kechuang.core.models import Organisation, Region, Role  # noqa: E402
from kechuang.imports import services as imports  # noqa: E402
from kechuang.imports.registers import REGISTERS  # noqa: E402
from tests.factories import credit_code_for  # noqa: E402


def sheet(rows: int, offset: int = 0, rename: bool = False) -> bytes:
    register = REGISTERS["organisations"]
    book = openpyxl.load_workbook(io.BytesIO(imports.template_bytes(register)))
    ws = book.worksheets[0]
    headers = {c.value: c.column for c in ws[1] if c.value}
    townships = list(Region.objects.filter(parent_id="330824").values_list("code", flat=True))
    for i in range(rows):
        r = i + 2
        ws.cell(r, headers["名称"], f"开化县基准{'更名' if rename else ''}企业{offset + i:05d}有限公司")
        ws.cell(r, headers["统一社会信用代码"], credit_code_for(700_000 + offset + i))
        ws.cell(r, headers["所在地"], townships[i % len(townships)])
        ws.cell(r, headers["行业代码"], "3985")
        ws.cell(r, headers["地址"], f"华埠镇基准路{i}号")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    call_command("migrate", verbosity=0)
    county = Region.objects.get(code="330824")
    staff = services.user_create(
        by=None,
        username="bench_staff",
        password="Bench-Passw0rd",
        roles=[{"role": Role.STAFF, "region": county}],
    )
    print(f"database: {connection.vendor}  ({os.environ['DATABASE_URL'].split('@')[-1]})")
    print(f"{'benchmark':46} {'rows':>6} {'seconds':>8} {'rows/s':>8} {'queries':>8}")

    for rows in (1_000, 5_000):
        data = sheet(rows, offset=rows * 10)
        with CaptureQueriesContext(connection) as q:
            seconds, result = timed(
                lambda d=data: imports.import_file(
                    register="organisations", file=io.BytesIO(d), by=staff, filename="bench.xlsx"
                )
            )
        print(
            f"{'import organisations (new rows)':46} {rows:>6} {seconds:8.2f} {rows / seconds:8.0f} {len(q):>8}"
        )
        with CaptureQueriesContext(connection) as q:
            seconds, result = timed(
                lambda d=data: imports.import_file(
                    register="organisations", file=io.BytesIO(d), by=staff, filename="bench.xlsx"
                )
            )
        print(
            f"{'re-import the same file (no changes)':46} {rows:>6} {seconds:8.2f} {rows / seconds:8.0f} {len(q):>8}"
        )
        changed = sheet(rows, offset=rows * 10, rename=True)
        with CaptureQueriesContext(connection) as q:
            seconds, result = timed(
                lambda d=changed: imports.import_file(
                    register="organisations", file=io.BytesIO(d), by=staff, filename="bench.xlsx"
                )
            )
        print(
            f"{'re-import with every row renamed (updates)':46} {rows:>6} {seconds:8.2f} {rows / seconds:8.0f} {len(q):>8}"
        )

    total = Organisation.objects.count()
    with CaptureQueriesContext(connection) as q:
        seconds, data = timed(lambda: imports.export_queryset(register="organisations", by=staff), repeat=3)
    print(f"{'export organisations':46} {total:>6} {seconds:8.2f} {total / seconds:8.0f} {len(q) // 3:>8}")

    client = Client()
    client.force_login(staff)
    for label, url in (
        ("organisation list page (first page)", "/orgs/"),
        ("organisation list, search", "/orgs/?q=基准企业0"),
        ("home page (staff)", "/"),
    ):
        reset_queries()
        with CaptureQueriesContext(connection) as q:
            seconds, response = timed(lambda u=url: client.get(u), repeat=5)
        assert response.status_code == 200
        print(f"{label:46} {total:>6} {seconds:8.3f} {'':>8} {len(q) // 5:>8}")


def programmes() -> None:
    """The programmes engine on the demo county: list pages, the figures of a year, bulk transitions."""
    from kechuang.core.demo import build_demo
    from kechuang.core.models import User
    from kechuang.programmes import services as programme_services
    from kechuang.programmes.models import Application, Status
    from kechuang.reports.figures import Period, compute_all

    seconds, _ = timed(lambda: build_demo())
    applications = Application.objects.count()
    print(f"{'build the demo county (with programmes)':46} {applications:>6} {seconds:8.2f} {'':>8} {'':>8}")
    staff = User.objects.get(username="kh_staff")
    client = Client()
    client.force_login(staff)
    for label, url in (
        ("application list page", "/programmes/applications/"),
        ("review queue", "/programmes/applications/queue/"),
        ("funds ledger", "/programmes/funds/"),
        ("qualification register, expiring", "/programmes/qualifications/?expiring=1"),
        ("home page (staff, with programme panels)", "/"),
    ):
        with CaptureQueriesContext(connection) as q:
            seconds, response = timed(lambda u=url: client.get(u), repeat=5)
        assert response.status_code == 200
        print(f"{label:46} {applications:>6} {seconds:8.3f} {'':>8} {len(q) // 5:>8}")
    county = Region.objects.get(code="330824")
    with CaptureQueriesContext(connection) as q:
        seconds, figures = timed(
            lambda: [f.as_json() for f in compute_all(county, Period.year_of(2025))], repeat=3
        )
    print(
        f"{'all figures of 2025 (with evidence counts)':46} {len(figures):>6} {seconds:8.3f} {'':>8} {len(q) // 3:>8}"
    )
    from kechuang.reports import summary as report
    from kechuang.reports.exports import build_docx

    draft = report.summary_create(by=staff, county=county, period=Period.year_of(2025))
    with CaptureQueriesContext(connection) as q:
        seconds, rendered = timed(lambda: report.render(draft), repeat=3)
    print(
        f"{'the 2025 summary, rendered live':46} {len(rendered.figures):>6} {seconds:8.3f} {'':>8} {len(q) // 3:>8}"
    )
    seconds, docx = timed(lambda: build_docx(rendered), repeat=3)
    print(
        f"{'… exported to Word (' + str(len(docx) // 1024) + ' KB)':46} {'':>6} {seconds:8.3f} {'':>8} {'':>8}"
    )
    for label, url in (
        ("summary page (figures linked to evidence)", f"/reports/summaries/{draft.pk}/"),
        ("dashboard (staff)", "/reports/dashboard/?year=2025"),
    ):
        with CaptureQueriesContext(connection) as q:
            seconds, response = timed(lambda u=url: client.get(u), repeat=3)
        assert response.status_code == 200
        print(f"{label:46} {'':>6} {seconds:8.3f} {'':>8} {len(q) // 3:>8}")
    submitted = list(
        Application.objects.filter(status=Status.SUBMITTED, programme__kind="qualification")[:30]
    )
    with CaptureQueriesContext(connection) as q:
        seconds, result = timed(
            lambda: programme_services.application_transition_bulk(
                applications=submitted, to=Status.RECOMMENDED, by=staff
            )
        )
    n = len(result.done)
    print(
        f"{'bulk recommend (each through the workflow)':46} {n:>6} {seconds:8.2f} {n / seconds:8.0f} {len(q):>8}"
    )


def stats_sheet(codes: list[str], periods: list[tuple[int, int]], factor: float = 1.0) -> bytes:
    """A monthly enterprise_stats sheet: every enterprise × every period (XlsxWriter: fast to generate)."""
    import random

    import xlsxwriter

    register = REGISTERS["enterprise_stats"]
    keys = ["organisation", "year", "frequency", "number", "rd_expenditure", "revenue", "industrial_output",
            "value_added", "high_tech_value_added", "employees", "rd_staff"]  # fmt: skip
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    ws = book.add_worksheet(register.sheet_name)
    ws.write_row(0, 0, [register.column(k).label for k in keys])
    rng = random.Random(4)
    row = 1
    for code in codes:
        size = rng.uniform(0.2, 5.0)
        for year, month in periods:
            va = round(size * rng.uniform(800_000, 1_200_000) * factor, 2)
            revenue = round(va * 4, 2)
            ws.write_row(row, 0, [code, year, "月报", month, round(va * 0.08, 2), revenue, revenue, va,
                                  round(va * 0.5, 2), round(size * 60), round(size * 6)])  # fmt: skip
            row += 1
    book.close()
    return out.getvalue()


@contextlib.contextmanager
def counted() -> Iterator[list[int]]:
    """Count the statements sent. CaptureQueriesContext stops counting once Django's query log (9,000
    entries) is full, and keeps every statement's text: too much for a 100,000-row import."""
    calls: list[int] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        calls.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield calls


def rnd_import() -> None:
    """R&D statistics in bulk: a 100,000-row enterprise_stats file (1,250 enterprises × 80 months) imported
    on a database without statistics, re-imported unchanged and with every figure changed, and the
    indicators of one year recomputed."""
    import datetime as dt

    from kechuang.core.models import User
    from kechuang.rnd import indicators
    from kechuang.rnd.models import EnterpriseStat, Indicator

    staff = User.objects.get(username="bench_staff")
    codes = list(
        Organisation.objects.filter(region__code__startswith="330824")
        .order_by("pk")
        .values_list("credit_code", flat=True)[:1250]
    )
    today = dt.date.today()
    periods = []
    year, month = today.year, today.month
    while len(periods) < 80:  # the 80 complete months before this one
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        periods.append((year, month))
    periods.reverse()
    rows = len(codes) * len(periods)
    start = time.perf_counter()
    data = stats_sheet(codes, periods)
    print(
        f"{'… writing the ' + str(rows) + '-row file (not timed below)':46} {rows:>6} {time.perf_counter() - start:8.2f}"
    )
    for label, payload in (
        ("import enterprise_stats (new rows)", data),
        ("re-import the same file (no changes)", data),
        ("re-import with every figure changed", stats_sheet(codes, periods, factor=1.1)),
    ):
        with counted() as q:
            seconds, result = timed(
                lambda d=payload: imports.import_file(
                    register="enterprise_stats", file=io.BytesIO(d), by=staff, filename="stats.xlsx"
                )
            )
        print(f"{label:46} {rows:>6} {seconds:8.2f} {rows / seconds:8.0f} {len(q):>8}")
    year = periods[-13][0]  # a full year
    with counted() as q:
        seconds, written = timed(lambda: indicators.refresh([year]), repeat=3)
    print(
        f"{'indicators.refresh of ' + str(year) + ' (and the year after)':46} {written:>6} {seconds:8.3f} {'':>8} {len(q) // 3:>8}"
    )
    # The demo county's own statistics follow: leave no bench rows in its rankings.
    EnterpriseStat.objects.all().delete()
    Indicator.objects.all().delete()
    reset_queries()  # the benchmarks after this one count with CaptureQueriesContext


def rnd_pages() -> None:
    """The R&D pages on the demo county (built by programmes() above), as its staff and as the province."""
    from django.urls import reverse

    from kechuang.core.models import SystemFlag, User
    from kechuang.rnd.demo import FLAG
    from kechuang.rnd.models import EnterpriseStat, Indicator

    flag = SystemFlag.objects.get(key=FLAG).value
    seconds = float(flag.rsplit("seconds=", 1)[-1])
    stats = EnterpriseStat.objects.count()
    print(f"{'… of which the R&D demo (statistics rows)':46} {stats:>6} {seconds:8.2f} {'':>8} {'':>8}")
    from kechuang.rnd import indicators as rnd_indicators

    year = max(Indicator.objects.filter(months=12, key="rd_expenditure").values_list("year", flat=True))
    counties = Indicator.objects.filter(year=year).values("county").distinct().count()
    with counted() as q:
        seconds, written = timed(lambda: rnd_indicators.refresh([year]), repeat=3)
    label = f"indicators.refresh of {year} ({counties} counties)"
    print(f"{label:46} {written:>6} {seconds:8.3f} {'':>8} {len(q) // 3:>8}")
    indicators = Indicator.objects.count()
    for username in ("kh_staff", "zj_province"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for label, name in (("indicator page", "rnd:indicators"), ("ranking page", "rnd:ranking")):
            url = reverse(name)
            with counted() as q:
                seconds, response = timed(lambda u=url: client.get(u), repeat=5)
            assert response.status_code == 200, (url, response.status_code)
            print(
                f"{label + ' (' + username + ')':46} {indicators:>6} {seconds:8.3f} {'':>8} {len(q) // 5:>8}"
            )


def million_rows(rows: int = 1_048_575) -> Path:
    """A 1,048,575-row organisations sheet (every row Excel allows below the header), written once with
    XlsxWriter's constant_memory mode and cached under var/bench/: about 13 MB, under the 20 MB and
    200 MB-unpacked guards, so only the row bound stops it."""
    import xlsxwriter

    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"organisations_{rows}_rows.xlsx"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    ws = book.add_worksheet(REGISTERS["organisations"].sheet_name)
    ws.write_row(0, 0, ["名称", "统一社会信用代码", "所在地"])
    for i in range(1, rows):
        ws.write_row(i, 0, [f"企业{i}", i, 330824])
    book.close()
    partial.rename(path)
    return path


def bounded_import() -> None:
    """The million-row file through `kechuang import`, in a subprocess under /usr/bin/time -v (Debian
    package `time`): seconds and the peak memory of the whole command, Django's start-up included."""
    import re
    import subprocess

    start = time.perf_counter()
    path = million_rows()
    print(
        f"{'… the 1,048,575-row file (' + str(path.stat().st_size // 2**20) + ' MB, cached)':46} {'':>6} {time.perf_counter() - start:8.2f}"
    )
    timer = Path("/usr/bin/time")
    if not timer.exists():
        print("    /usr/bin/time is missing: apt-get install time")
        return
    command = [
        str(timer),
        "-v",
        str(ROOT / ".venv" / "bin" / "kechuang"),
        "import",
        "organisations",
        str(path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)
    report = done.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    seconds = (
        (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else 0.0
    )
    peak = int(rss.group(1)) // 1024 if rss else 0
    said = next((line for line in report.splitlines() if "文件超过" in line), report.strip()[:200])
    print(
        f"{'kechuang import of the 1,048,575-row file':46} {'':>6} {seconds:8.2f} {'':>8} {'':>8}  peak {peak} MB, exit {done.returncode}"
    )
    print(f"    {said.strip()}")


if __name__ == "__main__":
    main()
    bounded_import()
    rnd_import()
    programmes()
    rnd_pages()
