"""Hostile uploads and forms (issue 18): each gets a located message in the page, nothing is
stored, the server stays up — on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from planner.service.app import create_app
from planner.service.ledger.models import ContactEntry
from planner.service.semesters.models import DataVersion, Semester, StoredFile
from planner.service.uploads import MAX_ROWS

from .conftest import PASSWORDS, Service, csrf_of, sign_in

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "data" / "broken"
DEMO = ROOT / "data" / "demo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclasses.dataclass
class Stored:
    """What the database and the data folder hold (must not change after a refused upload)."""

    versions: int
    files: int
    records: int
    blobs: list[str]


def stored(service: Service) -> Stored:
    with service.db.session() as db:
        versions = db.scalar(select(func.count()).select_from(DataVersion)) or 0
        files = db.scalar(select(func.count()).select_from(StoredFile)) or 0
        records = db.scalar(select(func.count()).select_from(ContactEntry)) or 0
    blobs = sorted(p.name for p in (service.settings.data_dir / "blobs").rglob("*") if p.is_file())
    return Stored(versions, files, records, blobs)


def semester_id(service: Service) -> int:
    with service.db.session() as db:
        found = db.scalar(select(Semester.id).order_by(Semester.id))
    assert found is not None
    return found


def upload(
    client: TestClient, semester: int, files: list[tuple[str, bytes]], **kwargs: object
) -> object:
    token = csrf_of(client.get(f"/semesters/{semester}").text)
    return client.post(
        f"/semesters/{semester}/uploads",
        data={"csrf_token": token},
        files=[("files", (name, data, XLSX)) for name, data in files],
        **kwargs,  # type: ignore[arg-type]
    )


def assert_refused(service: Service, before: Stored, response: object, *located: str) -> None:
    """A 4xx page that names ``located``; nothing stored; the server answers."""
    status = response.status_code  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert 400 <= status < 500, (status, text[:400])
    for word in located:
        assert word in text, (word, text[text.find("problems") :][:1500])
    assert stored(service) == before
    assert not list((service.settings.data_dir / "tmp").rglob("*.*"))
    assert service.client("viewer").get("/healthz").status_code == 200


def xlsx(parts: dict[str, bytes | Iterator[bytes]]) -> bytes:
    """A zip with ``parts`` (bytes, or chunks written as a stream)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for name, content in parts.items():
            with book.open(name, "w") as stream:
                for chunk in [content] if isinstance(content, bytes) else content:
                    stream.write(chunk)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
    b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
    b'worksheet+xml"/></Types>'
)
SKELETON = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
    b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    b'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>",
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
    'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships"><sheets><sheet name="班级" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>".encode(),
    "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas'
    b'.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
    b'worksheets/sheet1.xml"/></Relationships>',
}
SHEET_HEAD = (
    b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def sheet_rows(count: int) -> Iterator[bytes]:
    yield SHEET_HEAD
    block = []
    for i in range(1, count + 1):
        block.append(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>C{i}</t></is></c></row>')
        if len(block) == 20_000:
            yield "".join(block).encode()
            block = []
    yield "".join(block).encode()
    yield SHEET_TAIL


def test_an_upload_over_the_limit_is_refused_before_it_is_read(service: Service) -> None:
    settings = dataclasses.replace(service.settings, max_upload_bytes=256 * 1024)
    client = TestClient(create_app(settings, service.db), follow_redirects=False)
    sign_in(client, "admin", PASSWORDS["admin"])
    before = stored(service)
    sid = semester_id(service)
    too_big = upload(client, sid, [("rosters.xlsx", b"PK" + b"\0" * 2_000_000)])
    assert_refused(service, before, too_big, "上传的文件过大", "413")
    # a body sent in chunks (no Content-Length) is cut off as soon as it passes the limit
    token = csrf_of(client.get(f"/semesters/{sid}").text)

    def chunks() -> Iterator[bytes]:
        yield (
            '--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f'{token}\r\n--b\r\nContent-Disposition: form-data; name="files"; '
            'filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        for _ in range(400):  # 400 × 64 KiB = 25 MiB
            yield b"x" * 65536
        yield b"\r\n--b--\r\n"

    response = client.post(
        f"/semesters/{sid}/uploads",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert_refused(service, before, response, "413")


def test_a_zip_bomb_disguised_as_a_workbook(service: Service) -> None:
    zeros = (b" " * (1024 * 1024) for _ in range(300))  # 300 MB of spaces, ~300 KB packed
    bomb = xlsx({**SKELETON, "xl/worksheets/sheet1.xml": iter([SHEET_HEAD, *zeros, SHEET_TAIL])})
    assert len(bomb) < 2_000_000
    before = stored(service)
    response = upload(service.client("admin"), semester_id(service), [("rosters.xlsx", bomb)])
    assert_refused(service, before, response, "rosters.xlsx", "256 MB")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rosters.xlsx", b"<!doctype html><html><body><table><tr><td>1</td></tr></table>"),
        ("rosters.xlsx", "学院代码,学院名称\nC01,文学院\n".encode()),
        ("rosters.xlsx", b"PK\x03\x04 truncated"),
        ("classes.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ],
    ids=["html", "csv", "truncated-zip", "old-xls"],
)
def test_a_file_that_is_not_a_workbook(service: Service, name: str, content: bytes) -> None:
    before = stored(service)
    response = upload(service.client("staff"), semester_id(service), [(name, content)])
    assert_refused(service, before, response, name)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>"
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "xxe"])
def test_xml_entity_tricks_inside_a_workbook(service: Service, prolog: bytes) -> None:
    sheet = (
        prolog + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;&xxe;</t></is></c></row>'
        + SHEET_TAIL
    )
    book = xlsx({**SKELETON, "xl/worksheets/sheet1.xml": sheet})
    before = stored(service)
    response = upload(service.client("admin"), semester_id(service), [("rosters.xlsx", book)])
    assert_refused(service, before, response, "rosters.xlsx", "DOCTYPE")
    assert "root:" not in response.text  # type: ignore[attr-defined]


def test_a_workbook_of_a_million_rows_is_refused_before_it_is_parsed(service: Service) -> None:
    book = xlsx({**SKELETON, "xl/worksheets/sheet1.xml": sheet_rows(1_000_000)})
    before = stored(service)
    response = upload(service.client("admin"), semester_id(service), [("rosters.xlsx", book)])
    assert_refused(service, before, response, "rosters.xlsx", f"{MAX_ROWS:,}")
    csv = b"class_id\n" + b"K1\n" * 1_000_000
    response = upload(service.client("admin"), semester_id(service), [("classes.csv", csv)])
    assert_refused(service, before, response, "classes.csv", f"{MAX_ROWS:,}")


def test_hostile_file_names(service: Service, tmp_path: Path) -> None:
    client = service.client("admin")
    sid = semester_id(service)
    demo = {p.name: p.read_bytes() for p in sorted(DEMO.glob("*.csv"))}
    # a folder climb and a NUL are cut away: the files are read under their plain names
    named = [("../../../classes.csv" if n == "classes.csv" else n, d) for n, d in demo.items()]
    named = [("cadres\x00.csv.exe" if n == "cadres.csv" else n, d) for n, d in named]
    before = stored(service)
    response = upload(client, sid, named)
    assert response.status_code in (303, 400)  # type: ignore[attr-defined]
    # stored files live in DATA/versions/N/: "../../../" from there climbs above DATA
    root = service.settings.data_dir
    above = [root, *list(root.parents)[:4]]
    assert not [folder for folder in above if (folder / "classes.csv").exists()]
    with service.db.session() as db:
        names = db.scalars(select(StoredFile.name)).all()
    assert all("/" not in n and "\x00" not in n and ".." not in n for n in names)
    # 2,000 characters: cut to a sane length, and named in the message
    long_name = "x" * 2000 + ".csv"
    before = stored(service)
    response = upload(client, sid, [(long_name, b"a,b\n1,2\n")])
    assert_refused(service, before, response)
    assert_located(response.text)  # type: ignore[attr-defined]
    assert "x" * 200 not in response.text  # type: ignore[attr-defined]


CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_every_broken_fixture_through_the_upload_page(service: Service, case: str) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted((BROKEN / case).iterdir()) if p.is_file()]
    before = stored(service)
    response = upload(service.client("staff"), semester_id(service), files)
    text = response.text  # type: ignore[attr-defined]
    assert_refused(service, before, response)
    assert_located(text)


def assert_located(text: str) -> None:
    """The page lists the problems, each with the file (or table) it is in."""
    if 'class="problems"' not in text:  # a form problem (e.g. a .xls file), named in place
        assert 'class="error"' in text
        return
    cells = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td><td>[^<]+</td></tr>", text
    )
    assert cells and all(file.strip() for file, _row in cells), text[-2000:]


# ---- forms


def test_over_long_wrong_and_missing_form_fields(service: Service) -> None:
    client = service.client("admin")
    page = client.get("/semesters")
    token = csrf_of(page.text)
    sid = semester_id(service)
    before = stored(service)
    answers = [
        client.post("/semesters", data={"name": "秋" * 5000, "csrf_token": token}),
        client.post("/semesters", data={"csrf_token": token}),
        client.post("/accounts", data={"csrf_token": token, "username": "u" * 10_000}),
        client.post("/accounts", data={"csrf_token": token, "role": "root", "username": "ok1"}),
        client.post(f"/semesters/{sid}/ledger", data={"csrf_token": token, "students": "many"}),
        client.post(
            f"/semesters/{sid}/ledger",
            data={"csrf_token": token, "note": "注" * 200_000, "date": "2026-13-45"},
        ),
        client.post(f"/semesters/{sid}/leaves", data={"csrf_token": token, "starts_on": "[]"}),
        client.post(f"/semesters/{sid}/ledger/dates", data={"csrf_token": token}),
        client.post("/cases/1/steps", data={"csrf_token": token, "on": "yesterday"}),
        client.post(f"/semesters/{sid}/proposals", data={"csrf_token": token, "version": "-1x"}),
        client.get("/plans/abc"),
        client.get(f"/plans/{service.plan_id}/assignments?page=0"),
        client.get(f"/plans/{service.plan_id}/assignments?q=" + "z" * 5000),
        client.get(f"/semesters/{sid}/ledger?page=99999999999999999999"),
        client.get(f"/semesters/{sid}/duties?as_of=not-a-day"),
        client.get("/semesters/99999999999999999999999"),
        client.get("/ledger/records/99999999999999999999999/edit"),
        client.post(
            f"/semesters/{sid}/proposals",
            data={"csrf_token": token, "version": "99999999999999999999999"},
        ),
    ]
    for response in answers:
        assert response.status_code in (200, 303, 400, 404, 422), (
            response.request.url,
            response.status_code,
        )
        assert response.status_code != 500
    assert stored(service) == before
    assert client.get("/healthz").status_code == 200
