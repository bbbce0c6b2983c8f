"""Reference tables shipped in core/data (see data/SOURCES.md): the division tree and GB/T 4754-2017."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def load_reference_data(apps=None) -> None:  # type: ignore[no-untyped-def]
    """Load regions and industries once; a no-op when they are there. Works inside migrations too."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Region = apps.get_model("core", "Region")
    IndustryClass = apps.get_model("core", "IndustryClass")
    if not Region.objects.exists():
        rows: dict[str, dict[str, str]] = {}
        for name in ("china_counties.csv", "zhejiang_divisions.csv"):
            for row in _rows(name):
                rows[row["code"]] = row
        levels = ("province", "city", "county", "township")
        ordered = sorted(rows.values(), key=lambda r: (levels.index(r["level"]), r["code"]))
        Region.objects.bulk_create(
            [
                Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"] or None)
                for r in ordered
            ],
            batch_size=1000,
        )
    if not IndustryClass.objects.exists():
        hightech = {r["gbt4754_code"] for r in _rows("hightech_manufacturing_2017.csv")}
        rows_i = _rows("gbt4754_2017.csv")
        parent = {r["code"]: r["parent_code"] for r in rows_i}

        def section(code: str) -> str:
            while parent.get(code):
                code = parent[code]
            return code

        IndustryClass.objects.bulk_create(
            [
                IndustryClass(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],
                    parent_id=r["parent_code"] or None,
                    section=section(r["code"]),
                    is_high_tech_manufacturing=r["code"] in hightech,
                )
                for r in rows_i
            ],
            batch_size=1000,
        )
