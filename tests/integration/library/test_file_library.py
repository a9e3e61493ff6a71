"""Seed 2 §7.1: the office publishes the company's practical files in folders by company
and department, each shown to its audience; every version is kept; an invalid or
confidential file is withdrawn with the reason in its trail; downloads are counted; files
are found by name and by the text of their PDF, Word and Excel content, Chinese
two-character words included, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from oa_platform.extensions import db
from oa_platform.library import commands, policy, queries
from oa_platform.library.models import LibraryEvent, LibraryFile, LibraryFolder
from tests.conftest import login, user
from tests.library_helpers import docx, folder, pdf, publish, xlsx

BOTH_DATABASES = True


def found(username: str, text: str) -> list[str]:
    seen = policy.reader(db.session, user(username))
    return [file.name for file in queries.find(db.session, seen, text)]


def test_files_are_found_by_name_and_by_the_text_of_pdf_word_and_excel_files(demo):
    rules = folder("规章制度")
    publish(rules, "差旅费报销办法.docx", docx("员工出差应事先申请。", "住宿费用按标准报销。"))
    publish(rules, "budget.xlsx", xlsx(("部门", "预算"), ("销售部", 120000)))
    publish(rules, "security.pdf", pdf("Password rotation policy for OA accounts"))
    publish(rules, "通讯录.txt", "集团办公室 电话 8001".encode())

    assert found("staff", "报销") == ["差旅费报销办法.docx"]  # in the name and the text
    assert found("staff", "住宿") == ["差旅费报销办法.docx"]  # only in the Word text
    assert found("staff", "预算") == ["budget.xlsx"]  # a cell of the workbook
    assert found("staff", "rotation") == ["security.pdf"]  # the PDF's text
    assert found("staff", "ROTATION policy") == ["security.pdf"]  # every word, any case
    assert found("staff", "电话") == ["通讯录.txt"]
    assert found("staff", "budget") == ["budget.xlsx"]  # by name
    assert found("staff", "出差 预算") == []  # every word must occur in one file
    assert found("staff", "费报") == ["差旅费报销办法.docx"]
    assert found("staff", "报费") == []  # pairs apart are no match
    assert found("staff", "100%_") == []  # LIKE's wildcards are searched as text
    assert found("staff", "") == []


def test_a_folder_shows_only_to_its_audience_and_the_office(demo):
    everyone = folder("公共资料")
    sales = folder("销售资料", ["company:SLS"], company="SLS")
    finance = folder("财务资料", ["department:GRP/FIN"], department="FIN")
    heads = folder("管理资料", ["role:Unit Head"])
    office = folder("办公室内部", [])
    for target in (everyone, sales, finance, heads, office):
        publish(target, f"{target.name}-通知.txt", "关于报销的通知".encode())

    def folders(username: str) -> set[str]:
        seen = policy.reader(db.session, user(username))
        return {f.name for f, _count in queries.folders(db.session, seen)}

    assert folders("staff") == {"公共资料", "销售资料"}
    assert folders("finance") == {"公共资料", "财务资料"}
    assert folders("head") == {"公共资料", "销售资料", "管理资料"}
    assert folders("clerk") == {"公共资料", "销售资料", "财务资料", "管理资料", "办公室内部"}
    assert folders("auditor") == folders("clerk")
    assert sorted(found("staff", "报销")) == ["公共资料-通知.txt", "销售资料-通知.txt"]
    assert sorted(found("finance", "报销")) == ["公共资料-通知.txt", "财务资料-通知.txt"]


def test_a_new_version_is_the_one_listed_and_searched_and_the_old_one_stays(demo):
    rules = folder("规章制度")
    file = publish(rules, "考勤制度.docx", docx("每日八点半上班。"))
    version = commands.add_version(
        db.session,
        user("secretary"),
        file.id,
        commands.Upload("考勤制度.docx", docx("每日九点上班，弹性考勤。")),
        "改为弹性考勤",
    )
    db.session.expire_all()
    assert version.number == 2
    assert db.session.get(LibraryFile, file.id).current_version == 2
    assert found("staff", "弹性") == ["考勤制度.docx"]
    assert found("staff", "八点") == []  # the old text is no longer the file's
    versions = queries.versions(db.session, db.session.get(LibraryFile, file.id))
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].note == "改为弹性考勤"


def test_an_invalid_file_is_withdrawn_with_its_reason_in_the_trail(demo):
    rules = folder("规章制度")
    file = publish(rules, "旧报销办法.docx", docx("报销须经部门负责人签字。"))
    with pytest.raises(commands.LibraryCommandError, match="reason"):
        commands.withdraw(db.session, user("clerk"), file.id, "invalid", "  ")
    with pytest.raises(commands.LibraryCommandError, match="office"):
        commands.withdraw(db.session, user("staff"), file.id, "invalid", "已废止")
    db.session.rollback()
    assert db.session.get(LibraryFile, file.id).status == "current"  # refused: unchanged

    commands.withdraw(db.session, user("clerk"), file.id, "invalid", "已被2026年新办法取代")
    assert found("staff", "报销") == []
    with pytest.raises(policy.LibraryNotFoundError):
        policy.file(db.session, user("staff"), file.id)
    # The office and the Auditors still see it, with the reason.
    assert policy.file(db.session, user("auditor"), file.id).withdrawn_reason == (
        "已被2026年新办法取代"
    )
    events = list(
        db.session.query(LibraryEvent).filter_by(file_id=file.id).order_by(LibraryEvent.id)
    )
    assert [(e.event, e.actor.username) for e in events] == [
        ("published", "clerk"),
        ("withdrawn", "clerk"),
    ]
    assert events[-1].detail == {"kind": "invalid", "reason": "已被2026年新办法取代"}


def test_only_the_office_publishes_and_bad_input_names_the_field(demo):
    with pytest.raises(commands.LibraryCommandError, match="office"):
        folder("销售资料", company="SLS", by="head")
    with pytest.raises(commands.LibraryCommandError, match="audience"):
        folder("资料", ["company:NOPE"])
    with pytest.raises(commands.LibraryCommandError, match="audience"):
        folder("资料", ["all staff"])
    with pytest.raises(commands.LibraryCommandError, match="name"):
        folder("  ")
    rules = folder("规章制度")
    with pytest.raises(commands.LibraryCommandError, match="name"):
        folder("规章制度")
    with pytest.raises(commands.LibraryCommandError, match="file"):
        publish(rules, "fake.pdf", b"not a pdf at all")
    with pytest.raises(commands.LibraryCommandError, match="office"):
        publish(rules, "a.txt", b"text", by="staff")
    with pytest.raises(commands.LibraryCommandError, match="office"):
        publish(rules, "a.txt", b"text", by="auditor")  # Auditors change nothing
    db.session.rollback()
    assert db.session.query(LibraryFile).count() == 0


def test_downloads_are_counted_on_the_file_and_the_version(demo):
    rules = folder("规章制度")
    file = publish(rules, "制度汇编.pdf", pdf("Handbook"))
    client = demo.test_client()
    login(client, "staff")
    for _ in range(3):
        answer = client.get(f"/library/files/{file.id}/download")
        assert answer.status_code == 200
        assert answer.data.startswith(b"%PDF-")
        assert "attachment" in answer.headers["Content-Disposition"]
    answer = client.get(f"/library/files/{file.id}/versions/1/download")
    assert answer.status_code == 200
    assert client.get(f"/library/files/{file.id}/versions/2/download").status_code == 404
    db.session.expire_all()
    stored = db.session.get(LibraryFile, file.id)
    assert stored.downloads == 4
    assert queries.versions(db.session, stored)[0].downloads == 4


def test_the_office_publishes_through_the_pages(demo):
    client = demo.test_client()
    login(client, "clerk")
    answer = client.post(
        "/library/folders",
        data={"unit": "GRP", "name": "培训资料", "audience": "everyone"},
    )
    assert answer.status_code == 302
    page = client.get("/library/").get_data(as_text=True)
    assert "培训资料" in page
    assert 'value="GRP/FIN"' in page and 'value="SLS/SALES"' in page  # every unit offered
    client.post("/library/folders", data={"unit": "GRP/FIN", "name": "报销指南", "audience": ""})
    finance = db.session.query(LibraryFolder).filter_by(name="报销指南").one()
    assert (finance.company.code, finance.department.code, finance.audience) == ("GRP", "FIN", [])
    staff_page = demo.test_client()
    login(staff_page, "staff")
    assert "library-new-folder" not in staff_page.get("/library/").get_data(as_text=True)
    target = queries.folders(db.session, policy.reader(db.session, user("clerk")))[0][0]
    import io

    answer = client.post(
        f"/library/folders/{target.id}/files",
        data={"file": (io.BytesIO(docx("新员工入职培训")), "入职培训.docx"), "name": ""},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    staff = demo.test_client()
    login(staff, "staff")
    page = staff.get("/library/?q=入职").get_data(as_text=True)
    assert "入职培训.docx" in page
    # A forged post (no CSRF token) changes nothing.
    forged = client.post("/library/folders", data={"unit": "GRP", "name": "伪造"}, csrf=False)
    assert forged.status_code in (302, 400)
    assert "伪造" not in client.get("/library/").get_data(as_text=True)
