"""Names read from the database are shown in the reader's language (issue 18): the demo
organisation keeps a Chinese name beside each English one (``name_zh``), and a Chinese reader
sees 吴森, 销售部 where an English reader sees Sam Wu, Sales Department, on the overtime
report (page, CSV and XLSX), the user and department pickers and My Team, all read through
``org.models.shown_name`` in the queries that list them (no lookup per row).

The overtime timeline is the one of ``test_overtime_report``: Henry (何志恒, Sales) agreed to
Sam's expense claim and leave request late; Hannah (李汉娜, HR) has not handled the leave
request 4 hours after her deadline.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from oa_platform.extensions import db
from tests.conftest import login
from tests.integration.runtime.test_overtime_report import (  # noqa: F401 (the fixture)
    INSPECTION,
    REPORT,
    WHOLE_SPRING_AND_SUMMER,
    _at,
    late_tasks,
)

BOTH_DATABASES = True

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def _read(client, username: str, path: str, headers, **args):
    """``path`` as ``username`` reads it at the inspection, in the language of ``headers``."""
    with _at(INSPECTION):
        client.post("/logout/")
        login(client, username)
        answer = client.get(path, query_string=args, headers=headers)
    assert answer.status_code == 200, path
    return answer


def _cells(html: str, table: str) -> list[list[str]]:
    """The text of each body cell of the table with id ``table``, row by row."""
    body = html.split(f'id="{table}"')[1].split("</tbody>")[0].split("<tbody>")[1]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"(?s)<td.*?>(.*?)</td>", row)
        ]
        for row in re.findall(r"(?s)<tr.*?>(.*?)</tr>", body)
    ]


@pytest.mark.usefixtures("late_tasks")
def test_the_overtime_report_names_handlers_and_departments_in_the_readers_language(client):
    chinese = _read(client, "auditor", REPORT, CHINESE, **WHOLE_SPRING_AND_SUMMER).get_data(
        as_text=True
    )
    handlers = _cells(chinese, "overtime-by-handler")
    assert [row[:2] for row in handlers] == [
        ["何志恒 (head)", "销售部 (SLS)"],
        ["李汉娜 (hr)", "人力资源中心 (GRP)"],
    ]
    assert "费用报销" in _cells(chinese, "overtime-by-node")[-1][0]  # the process, in Chinese
    details = _cells(chinese, "overtime-details")
    assert "何志恒 销售部 (SLS)" in details[0][3]
    for english in ("Hannah Reed", "Henry Ho", "Sales Department", "Human Resources Center"):
        assert english not in chinese

    english = _read(client, "auditor", REPORT, ENGLISH, **WHOLE_SPRING_AND_SUMMER).get_data(
        as_text=True
    )
    assert [row[:2] for row in _cells(english, "overtime-by-handler")] == [
        ["Henry Ho (head)", "Sales Department (SLS)"],
        ["Hannah Reed (hr)", "Human Resources Center (GRP)"],
    ]
    assert "何志恒" not in english and "销售部" not in english
    # The filter's pickers read the same way.
    assert "何志恒 (head)" in chinese and "销售部 (SLS)" in chinese
    assert "Henry Ho (head)" in english


@pytest.mark.usefixtures("late_tasks")
def test_the_overtime_csv_names_people_and_its_columns_in_the_readers_language(client):
    answer = _read(client, "mc", REPORT + "export.csv", CHINESE, **WHOLE_SPRING_AND_SUMMER)
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0][0] == "流程" and rows[0][-1] == "超时分钟数"
    assert [(r[4], r[5], r[6]) for r in rows[1:]] == [
        ("head", "何志恒", "销售部 (SLS)"),
        ("head", "何志恒", "销售部 (SLS)"),
        ("hr", "李汉娜", "人力资源中心 (GRP)"),
    ]


@pytest.mark.usefixtures("late_tasks")
def test_the_overtime_workbook_holds_the_pages_rows_under_translated_headings(client):
    for headers, sheets, handler, name in (
        (CHINESE, ["按处理人", "按流程和节点", "超时待办"], "处理人", "何志恒"),
        (ENGLISH, ["By handler", "By process and node", "Late tasks"], "Handler", "Henry Ho"),
    ):
        page = _read(client, "auditor", REPORT, headers, **WHOLE_SPRING_AND_SUMMER)
        html = page.get_data(as_text=True)
        assert "export.xlsx" in html
        answer = _read(
            client, "auditor", REPORT + "export.xlsx", headers, **WHOLE_SPRING_AND_SUMMER
        )
        assert answer.mimetype.endswith("spreadsheetml.sheet")
        assert "overtime-2026-04-01-2026-09-30.xlsx" in answer.headers["Content-Disposition"]
        book = load_workbook(io.BytesIO(answer.get_data()))
        assert book.sheetnames == sheets
        by_handler, by_node, late = (list(book[s].iter_rows(values_only=True)) for s in sheets)

        assert by_handler[0][0] == handler
        page_handlers = _cells(html, "overtime-by-handler")
        assert [(r[0], r[1], r[2], r[3]) for r in by_handler[1:]] == [
            ("head", name, page_handlers[0][1], 2),
            ("hr", page_handlers[1][0].split(" (")[0], page_handlers[1][1], 1),
        ]
        # Lateness as minutes a spreadsheet can sum: the page's data-minutes.
        assert [r[5] for r in by_handler[1:]] == [300, 240]
        assert [(r[0], r[1]) for r in by_node[1:]] == [
            tuple(row[:2]) for row in _cells(html, "overtime-by-node")
        ]
        assert [r[0] for r in late[1:]] == [
            int(n) for n in re.findall(r'data-oa-instance="(\d+)"', html)
        ]
        csv_header = next(
            csv.reader(
                io.StringIO(
                    _read(client, "auditor", REPORT + "export.csv", headers)
                    .get_data(as_text=True)
                    .removeprefix("\ufeff")
                )
            )
        )
        assert list(late[0]) == csv_header


@pytest.mark.usefixtures("late_tasks")
def test_the_workbook_costs_the_same_queries_however_many_late_tasks(client):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    _read(client, "auditor", REPORT + "export.xlsx", CHINESE)  # signs in, warms caches
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with _at(INSPECTION):
            client.get(REPORT + "export.xlsx", headers=CHINESE)  # 2 records
            this_quarter, statements[:] = len(statements), []
            client.get(REPORT + "export.xlsx", query_string=WHOLE_SPRING_AND_SUMMER)  # 3
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == this_quarter


def test_a_user_picker_on_a_start_form_names_people_in_the_readers_language(client):
    """The handover colleague Sam chose, shown again with his form's mistake (the people
    picker's chip reads the select's option: issue 19)."""
    login(client, "staff")
    posted = {"command": "submit", "leave_type": "annual", "handover_to": "head"}
    for headers, name, other in (
        (CHINESE, "何志恒 (head)", "Henry Ho"),
        (ENGLISH, "Henry Ho (head)", "何志恒"),
    ):
        page = client.post("/processes/leave_request/start", data=posted, headers=headers)
        picker = page.get_data(as_text=True).split('name="handover_to"')[1].split("</select>")[0]
        assert name in picker and other not in picker


def test_the_designers_assignee_pickers_name_units_in_the_readers_language(client):
    from flask_babel import refresh

    from oa_platform.org.directory import OrgDirectory

    directory = OrgDirectory(db.session)
    with client.application.test_request_context(headers=CHINESE):
        refresh()
        assert ("staff", "吴森 (staff)") in directory.choices("users")
        assert ("SLS/SALES", "销售部 (SLS)") in directory.choices("departments")
        assert ("Clerk", "文员") in directory.choices("positions")  # rules keep the English
        assert ("SLS", "示例销售有限公司 (SLS)") in directory.choices("companies")
    with client.application.test_request_context(headers=ENGLISH):
        refresh()
        assert ("staff", "Sam Wu (staff)") in directory.choices("users")
        assert ("SLS/SALES", "Sales Department (SLS)") in directory.choices("departments")
        assert ("Clerk", "Clerk") in directory.choices("positions")


def test_my_team_names_the_members_and_departments_in_the_readers_language(client):
    login(client, "head")
    chinese = client.get("/myteam/", headers=CHINESE).get_data(as_text=True)
    assert "吴森" in chinese and "销售部" in chinese
    assert "Sam Wu" not in chinese and "Sales Department" not in chinese
    english = client.get("/myteam/", headers=ENGLISH).get_data(as_text=True)
    assert "Sam Wu" in english and "Sales Department" in english and "吴森" not in english


def test_the_org_admin_lists_keep_the_chinese_name_beside_the_stored_one(client):
    login(client, "admin")
    for path, chinese, english in (
        ("/companymodelview/list/", "示例销售有限公司", "SLS"),
        ("/departmentmodelview/list/", "销售部", "Sales Department"),
        ("/positionmodelview/list/", "文员", "Clerk"),
        ("/users/list/", "吴森", "staff"),
    ):
        page = client.get(path, headers=CHINESE).get_data(as_text=True)
        assert "中文名称" in page and chinese in page and english in page, path
        assert "Chinese name" in client.get(path, headers=ENGLISH).get_data(as_text=True)


def test_an_administrator_keeps_a_persons_chinese_name_on_the_user_edit_page(client):
    from flask_babel import refresh

    from tests.conftest import user
    from tests.integration.security.test_account_security import edit_user

    login(client, "admin")
    page = client.get(f"/users/edit/{user('staff').id}").get_data(as_text=True)
    assert 'name="name_zh"' in page and "吴森" in page
    answer = edit_user(client, "staff", name_zh="吴小森")
    assert answer.status_code == 302
    db.session.expire_all()
    with client.application.test_request_context(headers=CHINESE):
        refresh()
        assert user("staff").get_full_name() == "吴小森"


def test_official_documents_name_units_and_recipients_in_the_readers_language(client):
    from flask_babel import refresh

    from oa_platform.documents.clerks import units
    from oa_platform.documents.printing import recipient_labels

    entries = ["company:SLS", "department:SLS/SALES", "user:staff"]
    with client.application.test_request_context(headers=CHINESE):
        refresh()
        assert recipient_labels(db.session, entries) == ["示例销售有限公司", "销售部", "吴森"]
        assert "销售部 (SLS)" in {unit.name for unit in units(db.session)}
    with client.application.test_request_context(headers=ENGLISH):
        refresh()
        labels = recipient_labels(db.session, entries)
        assert labels[1:] == ["Sales Department", "Sam Wu"] and labels[0] != "示例销售有限公司"


def test_my_team_costs_the_same_queries_however_many_members(client):
    from oa_platform.accounts.user_import import import_users
    from tests.conftest import user

    def queries() -> int:
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = client.get("/myteam/", headers=CHINESE).get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements), page

    login(client, "head")
    client.get("/myteam/")  # warms what is loaded once
    before, _ = queries()
    import_users(
        "name,username,email,company,department,position\n"
        "张伟,zhangwei,zw@example.com,SLS,SALES,Clerk\n"
        "李娜,lina,ln@example.com,SLS,SALES,Clerk\n"
        "王芳,wangfang,wf@example.com,SLS,SALES,Manager\n".encode()
    )
    for username in ("zhangwei", "lina", "wangfang"):  # Admin confirmed the moves (§4.1)
        person = user(username)
        person.confirmed_department_id = person.department_id
    db.session.commit()
    after, page = queries()
    assert "张伟" in page and "王芳" in page
    assert after == before
