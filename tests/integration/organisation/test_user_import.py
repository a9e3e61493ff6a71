"""Seed 2 §5.1: HR registers new users; a bad file names each bad line and imports nothing."""

from __future__ import annotations

import html

import pytest

from oa_platform.accounts.exceptions import UserImportError
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.user_import import import_users
from oa_platform.extensions import db
from tests.conftest import login

# Production runs on PostgreSQL: these rules must hold there as on SQLite.
BOTH_DATABASES = True

HEADER = "name,username,email,company,department,position\n"
GOOD = [
    "Li Na,lina,lina@example.com,SLS,SALES,Clerk",
    "王芳,wangfang,wangfang@example.com,Example Group,Finance Department,Manager",
]


def user_count() -> int:
    return db.session.query(OAUser).count()


def problems_of(data: bytes) -> list[str]:
    before = user_count()
    with pytest.raises(UserImportError) as caught:
        import_users(data)
    assert user_count() == before, "a failed import must import nothing"
    return [str(p) for p in caught.value.problems]


def test_import_creates_every_user_with_a_one_time_password_to_change(demo):
    created = import_users((HEADER + "\n".join(GOOD) + "\n").encode())
    assert [c.username for c in created] == ["lina", "wangfang"]
    wang = db.session.query(OAUser).filter_by(username="wangfang").one()
    assert (wang.last_name, wang.first_name, wang.get_full_name()) == ("王", "芳", "王芳")
    assert (wang.department.code, wang.position.name) == ("FIN", "Manager")
    assert wang.must_change_password is True and [r.name for r in wang.roles] == ["Staff"]
    client = demo.test_client()
    login(client, "lina", created[0].initial_password)
    assert client.get("/").headers["Location"].endswith("/changepassword/form")


def test_a_gbk_file_as_excel_saves_it_is_read_and_a_mixed_one_is_refused(demo):
    """Issue 19, deliver 9: Excel on a Chinese Windows saves CSV as GBK."""
    gbk = (HEADER + GOOD[0] + "\n王芳,wangfang,w@example.com,SLS,SALES,Clerk\n").encode("gbk")
    created = import_users(gbk)
    assert [c.name for c in created] == ["Li Na", "王芳"]
    mixed = (
        HEADER + "李娜,lina2,lina2@example.com,SLS,SALES,Clerk\n"
    ).encode() + "王芳,wangfang2,w2@example.com,SLS,SALES,Clerk\n".encode("gbk")
    assert problems_of(mixed) == [
        "line 3: the file mixes encodings or is neither UTF-8 nor GBK text (save it as CSV UTF-8)"
    ]


def test_passwords_are_hashed_before_the_write_transaction(demo, monkeypatch):
    """Issue 19, deliver 9: hashing 300 passwords inside it held SQLite for 45 s."""
    from oa_platform.accounts import user_import

    steps: list[str] = []
    hash_password, store = user_import.hash_password, user_import.store_password_hash
    monkeypatch.setattr(
        user_import, "hash_password", lambda p: steps.append("hash") or hash_password(p)
    )
    monkeypatch.setattr(
        user_import,
        "store_password_hash",
        lambda *a, **k: steps.append("write") or store(*a, **k),
    )
    import_users((HEADER + "\n".join(GOOD) + "\n").encode())
    assert steps == ["hash", "hash", "write", "write"]


def test_missing_column_is_named(demo):
    data = b"name,username,company,department,position\nLi Na,lina,SLS,SALES,Clerk\n"
    assert problems_of(data) == [
        "line 1: missing column(s): email; expected name, username, email, company, "
        "department, position"
    ]


def test_every_bad_row_is_reported_and_nothing_is_imported(demo):
    rows = [
        GOOD[0],  # line 2: fine
        "Zhou Jie,zhoujie,zhoujie@example.com,SLS,Warehouse,Clerk",  # unknown department
        "Sam Again,STAFF,sam2@example.com,SLS,SALES,Clerk",  # user name exists
        "Li Na Two,lina,lina2@example.com,SLS,SALES,Clerk",  # duplicate in file
        "No Mail,nomail,not-an-address,SLS,SALES,Clerk",  # bad e-mail
        "Gu Yi,guyi,guyi@example.com,ACME,SALES,Astronaut",  # unknown company, position
        ",blank,blank@example.com,SLS,SALES,Clerk",  # empty name
    ]
    problems = problems_of((HEADER + "\n".join(rows) + "\n").encode())
    assert problems[0] == 'line 3: unknown department "Warehouse" in Example Sales Co.'
    assert problems[1] == 'line 4: user name "STAFF" already exists'
    assert problems[2] == 'line 5: user name "lina" also on line 2'
    assert problems[3].startswith('line 6: e-mail "not-an-address" is not valid')
    assert problems[4] == 'line 7: unknown company "ACME"; unknown position "Astronaut"'
    assert problems[5] == "line 8: empty name"
    assert len(problems) == 6


def test_a_structurally_broken_csv_names_the_line(demo):
    huge_name = "N" * 200_000  # beyond the csv module's field size limit
    data = (HEADER + GOOD[0] + "\n" + f"{huge_name},x,x@example.com,SLS,SALES,Clerk\n").encode()
    [problem] = problems_of(data)
    assert problem == ("the CSV is malformed after line 2 (field larger than field limit (131072))")


def test_empty_file_and_header_only_file_are_refused(demo):
    assert problems_of(b"") == ["line 1: the file is empty; expected a header row"]
    assert problems_of(HEADER.encode()) == ["the file has no user rows"]


def test_hr_imports_in_the_browser_and_sees_the_problems(client):
    login(client, "hr")
    bad = (HEADER + "Zhou Jie,zhoujie,zhoujie@example.com,SLS,Warehouse,Clerk\n").encode()
    from io import BytesIO

    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(bad), "users.csv")},
        content_type="multipart/form-data",
    )
    text = html.unescape(page.get_data(as_text=True))
    assert "Nothing was imported." in text
    assert 'line 2: unknown department "Warehouse" in Example Sales Co.' in text
    good = (HEADER + GOOD[0] + "\n").encode()
    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(good), "users.csv")},
        content_type="multipart/form-data",
    )
    assert 'id="import-result"' in page.get_data(as_text=True)


def test_staff_cannot_reach_the_import(client):
    login(client, "staff")
    assert client.get("/importusers/").status_code == 403


def test_cli_import_reports_lines_and_imports_nothing(demo, tmp_path):
    bad = tmp_path / "users.csv"
    bad.write_text(HEADER + "Zhou Jie,zhoujie,zhoujie@example.com,SLS,Warehouse,Clerk\n")
    result = demo.test_cli_runner().invoke(args=["oa", "users", "import", str(bad)])
    assert result.exit_code == 1
    assert f'{bad}:line 2: unknown department "Warehouse" in Example Sales Co.' in result.output
    assert "Nothing was imported." in result.output


# Issue 19, deliver 9: HR keeps the staff list in Excel; the workbook is imported as it is.
def workbook(*rows: list, title: str = "新员工") -> bytes:
    """An .xlsx file made as Excel would, its first sheet holding ``rows``."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(["name", "username", "email", "company", "department", "position"])
    for row in rows:
        sheet.append(row)
    book.create_sheet("说明").append(["Only the first sheet is read."])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = [
    ["张伟", "zhangwei", "zhangwei@example.com", "SLS", "SALES", "Clerk"],
    ["欧阳修", "ouyangxiu", "ouyangxiu@example.com", "Example Group", "FIN", "Manager"],
]


def test_hr_imports_an_excel_workbook_with_chinese_names(demo):
    created = import_users(workbook(*GOOD_ROWS))
    assert [(c.username, c.name) for c in created] == [
        ("zhangwei", "张伟"),
        ("ouyangxiu", "欧阳修"),
    ]
    zhang = db.session.query(OAUser).filter_by(username="zhangwei").one()
    assert (zhang.last_name, zhang.first_name, zhang.department.code) == ("张", "伟", "SALES")
    ouyang = db.session.query(OAUser).filter_by(username="ouyangxiu").one()
    assert (ouyang.last_name, ouyang.first_name) == ("欧阳", "修")
    assert ouyang.must_change_password is True


def test_one_bad_row_in_a_workbook_names_sheet_row_and_column_and_imports_nothing(demo):
    bad = ["李娜", "lina", "lina@example.com", "SLS", "仓库", "Clerk"]  # unknown department
    problems = problems_of(workbook(GOOD_ROWS[0], bad, GOOD_ROWS[1]))
    assert problems == [
        'sheet "新员工", row 3, column E: unknown department "仓库" in Example Sales Co.'
    ]
    empty = ["", "wuming", "not-an-address", "SLS", "SALES", "Clerk"]
    assert problems_of(workbook(GOOD_ROWS[0], empty)) == [
        'sheet "新员工", row 3, column A: empty name',
        'sheet "新员工", row 3, column C: e-mail "not-an-address" is not valid '
        "(An email address must have an @-sign.)",
    ]


def test_a_workbook_missing_a_column_or_unreadable_is_explained(demo):
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Staff"
    book.active.append(["name", "username", "company", "department", "position"])
    book.active.append(["张伟", "zhangwei", "SLS", "SALES", "Clerk"])
    out = BytesIO()
    book.save(out)
    assert problems_of(out.getvalue()) == [
        'sheet "Staff", row 1: missing column(s): email; expected name, username, email, '
        "company, department, position"
    ]
    assert problems_of(b"PK\x03\x04 not really a workbook") == [
        "the Excel workbook cannot be read (BadZipFile); save it again as .xlsx or as CSV UTF-8"
    ]
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert problems_of(old_excel) == [
        "the file is an old Excel workbook (.xls) or one with a password: save it as .xlsx "
        "without a password, or as CSV UTF-8"
    ]
    assert problems_of(workbook()) == ['sheet "新员工": the file has no user rows']
    empty = Workbook()
    empty.active.title = "Sheet"
    out = BytesIO()
    empty.save(out)
    assert problems_of(out.getvalue()) == [
        'sheet "Sheet", row 1: the file is empty; expected a header row'
    ]


def test_hr_imports_a_workbook_in_the_browser_and_sees_what_was_done(client):
    from io import BytesIO

    login(client, "hr")
    page = client.get("/importusers/").get_data(as_text=True)
    assert 'id="import-progress"' in page and "oa/import.js" in page
    bad = workbook(["李娜", "lina", "lina@example.com", "SLS", "仓库", "Clerk"])
    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(bad), "新员工.xlsx")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert 'sheet "新员工", row 2, column E: unknown department "仓库"' in text
    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(workbook(*GOOD_ROWS)), "新员工.xlsx")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert 'id="import-result"' in text and "张伟" in text
    assert "All 2 rows were read and checked; 2 users were created." in text


def test_cli_import_of_a_workbook_shows_its_progress(demo, tmp_path):
    book = tmp_path / "users.xlsx"
    book.write_bytes(workbook(*GOOD_ROWS))
    result = demo.test_cli_runner().invoke(args=["oa", "users", "import", str(book)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Checking every row of {book} ..."
    assert "Checked 2 row(s): no problems." in lines
    assert any("Hashing 2 one-time password(s)" in line for line in lines)
    assert "Hashed 2 one-time password(s)." in lines
    assert "Writing 2 user(s) in one transaction ..." in lines
    assert lines[-1] == "Imported 2 user(s); each must change the password at first log-in."
    assert any(line.startswith("zhangwei\t") for line in lines)


def test_cli_import_of_a_bad_workbook_names_the_cell_and_imports_nothing(demo, tmp_path):
    book = tmp_path / "users.xlsx"
    book.write_bytes(workbook(GOOD_ROWS[0], ["李娜", "lina", "lina@example.com", "ACME", "", "x"]))
    before = user_count()
    result = demo.test_cli_runner().invoke(args=["oa", "users", "import", str(book)])
    assert result.exit_code == 1
    assert f'{book}:sheet "新员工", row 3, column D: unknown company "ACME"' in result.output
    assert f'{book}:sheet "新员工", row 3, column E: empty department' in result.output
    assert "Hashing" not in result.output and "Nothing was imported." in result.output
    assert user_count() == before


def test_the_workbook_import_reads_in_chinese(client):
    """The page and its messages in Simplified Chinese (issue 18), the cell named as HR says it."""
    from io import BytesIO

    login(client, "hr")
    zh = {"Accept-Language": "zh-CN"}
    page = client.get("/importusers/", headers=zh).get_data(as_text=True)
    assert "Excel 工作簿（.xlsx）" in page and "正在导入" in page
    bad = workbook(["李娜", "lina", "lina@example.com", "SLS", "仓库", "Clerk"])
    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(bad), "新员工.xlsx")},
        content_type="multipart/form-data",
        headers=zh,
    )
    assert "工作表“新员工”第 2 行 E 列" in html.unescape(page.get_data(as_text=True))
    page = client.post(
        "/importusers/",
        data={"file": (BytesIO(workbook(*GOOD_ROWS)), "新员工.xlsx")},
        content_type="multipart/form-data",
        headers=zh,
    )
    assert "已读取并检查全部 2 行；已创建 2 个用户。" in page.get_data(as_text=True)
