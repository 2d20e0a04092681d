"""Write the crafted infeasible data sets of ``tests/data/infeasible/`` from ``tests/data/tiny``.

Each case is ``tiny/`` with one change that no plan can survive, plus a ``scenario.yaml`` (empty
= the default policy). ``tests/test_diagnose.py`` lists what each diagnosis must name. Run from
the repository root: ``.venv/bin/python tests/data/infeasible/make_infeasible.py``; edit this
script, not the files.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
TINY = HERE.parent / "tiny"

Rows = list[dict[str, str]]


def read(folder: Path, table: str) -> Rows:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write(folder: Path, table: str, rows: Rows, header: list[str]) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        out.writeheader()
        out.writerows(rows)


def header(table: str) -> list[str]:
    with (TINY / f"{table}.csv").open(encoding="utf-8") as f:
        return f.readline().strip().split(",")


def cadre(id: str, name: str, gender: str, role: str, unit: str, campus: str, available: str = "yes"
          ) -> dict[str, str]:  # fmt: skip
    return {"id": id, "name": name, "gender": gender, "role": role, "unit": unit,
            "campus": campus, "available": available}  # fmt: skip


def pin(cadre_id: str, kind: str, target: str, rule: str) -> dict[str, str]:
    return {"cadre": cadre_id, "kind": kind, "target": target, "rule": rule}


def case(name: str, scenario: str = "") -> Path:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(TINY, folder)
    (folder / "scenario.yaml").write_text(scenario, encoding="utf-8")
    return folder


def add(folder: Path, table: str, *rows: dict[str, str]) -> None:
    write(folder, table, read(folder, table) + list(rows), header(table))


def main() -> None:
    # H1 + H3: a college whose cadres have no target at all (no university society on its campus).
    f = case("no_targets")
    add(f, "colleges", {"id": "C03", "name": "新闻与传播学院", "campus": "珠海"})
    add(f, "cadres", cadre("T009", "孙丽", "F", "professor", "C03", "珠海"),
        cadre("T010", "吴强", "M", "young_teacher", "C03", "珠海"))  # fmt: skip

    # H1 + H2 + H3: seven cadres of C02 and only six targets open to them.
    f = case("too_many_cadres")
    add(f, "cadres", *[
        cadre(f"T0{i}", name, g, "young_teacher", "C02", "番禺")
        for i, name, g in [(11, "郑浩", "M"), (12, "冯雪", "F"), (13, "何军", "M"),
                           (14, "许娟", "F"), (15, "韩磊", "M")]
    ])  # fmt: skip

    # H2 + H6: two require pins on one class.
    f = case("pins_one_target")
    add(f, "pins", pin("T007", "class", "CL04", "require"))

    # H6: a require pin and a forbid pin on the same pair.
    f = case("pin_require_forbid")
    add(f, "pins", pin("T008", "class", "CL04", "forbid"))

    # H1 + H6: two require pins on one cadre.
    f = case("pins_one_cadre")
    add(f, "pins", pin("T008", "branch", "B02", "require"))

    # H3 + H6: a pin against department of origin.
    f = case("pin_origin")
    add(f, "pins", pin("T004", "class", "CL03", "require"))

    # H1 + H6: a pin on a cadre who is on leave.
    f = case("pin_on_leave")
    add(f, "pins", pin("T006", "class", "CL02", "require"))

    # H4 + H6: two school leaders pinned into one college.
    f = case("school_leader_pins")
    add(f, "cadres", cadre("T009", "马丽华", "F", "school_leader", "校领导班子", "石牌"))
    add(f, "pins", pin("T001", "class", "CL01", "require"), pin("T009", "branch", "B01", "require"))

    # Hard campus rule: a C01 cadre on 番禺, where C01 has no target.
    f = case("campus_hard", "campus: hard\n")
    add(f, "cadres", cadre("T009", "林涛", "M", "professor", "C01", "番禺"))

    # Hard class coverage: C01's four classes, its cadres on leave, three central cadres.
    f = case("hard_coverage", "kinds:\n  class: {coverage: hard}\n")
    rows = read(f, "cadres")
    for r in rows:
        if r["id"] in ("T004", "T005"):
            r["available"] = "no"
    write(f, "cadres", rows, header("cadres"))
    add(f, "classes",
        {"id": "CL05", "name": "汉语言文学2024级1班", "college": "C01", "grade": "2024",
         "campus": "石牌", "size": "31", "major": "汉语言文学"},
        {"id": "CL06", "name": "汉语言文学2023级1班", "college": "C01", "grade": "2023",
         "campus": "石牌", "size": "29", "major": "汉语言文学"})  # fmt: skip

    # H1 + H4 (found by the solver): four school leaders, two colleges and one university
    # society; at most one school leader per college.
    f = case("school_leaders")
    add(f, "cadres", *[
        cadre(f"T0{i}", name, g, "school_leader", "校领导班子", "石牌")
        for i, name, g in [(11, "马丽华", "F"), (12, "高建军", "M"), (13, "罗志明", "M")]
    ])  # fmt: skip

    # Hard continuity + H6 (found by the solver): last semester's contact of T007 with CL03
    # must continue, and a pin gives CL03 to T003.
    f = case("continuity_pin", "continuity: hard\n")
    add(f, "pins", pin("T003", "class", "CL03", "require"))


if __name__ == "__main__":
    main()
