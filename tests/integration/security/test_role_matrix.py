"""Who gets what from every page and API route: the seven roles (``oa_platform/roles.py``) and
someone not signed in, against every GET route of the app's URL map, and every state-changing
route refused without the CSRF token (issue 17).

The routes come from ``app.url_map``, so a new route fails this test until its row below says
what each role should get: the matrix is the access rule, reviewed like code. Regulations
§6.2: users read and use the system "according to the prescribed permissions".

One app with the demo data; the staff member has started a leave request (the Sales head
handles it) and an expense claim with a receipt, and the Group Office has issued a document
to Sales, Finance and the Management Center, so instance, task, notification, attachment
and document addresses point at real rows.
"""

from __future__ import annotations

import re

from oa_platform.extensions import db
from tests.conftest import login, user
from tests.integration.documents.test_access import issue_with_attachment
from tests.runtime_helpers import start

# The demo user standing for each role, in the matrix's column order.
PEOPLE = {
    "Admin": "admin",
    "Process Designer": "designer",
    "HR": "hr",
    "Management Center": "mc",
    "Unit Head": "head",
    "Staff": "staff",
    "Auditor": "auditor",
}

# endpoint: anonymous, then Admin, Process Designer, HR, Management Center, Unit Head, Staff,
# Auditor. "login" is a redirect to the log-in page, "302" any other redirect.
MATRIX = """
DashboardView.index                  200   200 200 200 200 200 200 200
OAAuthDBView.login                   200   302 302 302 302 302 302 302
UtilView.back                        302   302 302 302 302 302 302 302
LocaleView.index                     302   302 302 302 302 302 302 302
ChangePasswordView.this_form_get     login 200 200 200 200 200 200 200
ResetPasswordView.this_form_get      login 404 404 404 404 404 404 404
OAUserModelView.userinfo             login 200 200 200 200 200 200 200
UserInfoEditView.this_form_get       login 200 403 403 403 403 403 403
MyTeamView.list                      login 200 200 200 200 200 200 200
InboxView.index                      login 200 200 200 200 200 200 200
ProcessCatalogueView.list            login 200 200 200 200 200 200 200
ProcessCatalogueView.start           login 200 200 200 200 200 200 200
ProcessCatalogueView.draft           login 404 404 404 404 404 302 404
InstanceView.show                    login 404 404 404 404 200 200 200
InstanceView.sheet                   login 404 404 404 404 200 200 200
InstanceView.sheet_pdf               login 404 404 404 404 200 200 200
NotificationsView.list               login 200 200 200 200 200 200 200
NotificationsView.open               login 404 404 404 404 302 404 404
AgentsView.list                      login 200 200 200 200 200 200 200
PeoplePickerView.picker              login 200 200 200 200 200 200 200
SwaggerView.show                     login 200 200 200 200 200 200 200
form_builder.download                404   200 404 404 404 200 200 200
OpenApi.get                          401   200 200 200 200 200 200 200
MenuApi.get_menu_data                401   200 200 200 200 200 200 200
ProcessApi.definitions               401   200 200 200 200 200 200 200
ProcessApi.tasks                     401   200 200 200 200 200 200 200
ProcessApi.get_instance              401   404 404 404 404 200 200 200
ProcessApi.audit_trail               401   404 404 404 404 200 200 200
ProcessApi.sheet_pdf                 401   404 404 404 404 200 200 200
CompanyModelView.list                login 200 200 200 200 200 403 200
CompanyModelView.show                login 200 200 200 200 200 403 200
CompanyModelView.add                 login 200 403 403 403 403 403 403
CompanyModelView.edit                login 200 403 403 403 403 403 403
DepartmentModelView.list             login 200 200 200 200 200 403 200
DepartmentModelView.show             login 200 200 200 200 200 403 200
DepartmentModelView.add              login 200 403 403 403 403 403 403
DepartmentModelView.edit             login 200 403 403 403 403 403 403
PositionModelView.list               login 200 200 200 200 200 403 200
PositionModelView.show               login 200 200 200 200 200 403 200
PositionModelView.add                login 200 403 403 403 403 403 403
PositionModelView.edit               login 200 403 403 403 403 403 403
OAUserModelView.list                 login 200 403 200 403 403 403 403
OAUserModelView.show                 login 200 403 200 403 403 403 403
OAUserModelView.add                  login 200 403 200 403 403 403 403
OAUserModelView.edit                 login 200 403 200 403 403 403 403
UserImportView.form                  login 200 403 200 403 403 403 403
DeactivateUserView.this_form_get     login 200 403 200 403 403 403 403
ConfirmMoveView.this_form_get        login 404 403 403 403 403 403 403
AccountEventView.list                login 200 403 403 403 403 403 200
AccountEventView.show                login 200 403 403 403 403 403 200
AccountEventView.add                 login 403 403 403 403 403 403 403
AccountEventView.edit                login 403 403 403 403 403 403 403
RoleModelView.list                   login 200 403 403 403 403 403 403
RoleModelView.show                   login 200 403 403 403 403 403 403
RoleModelView.add                    login 200 403 403 403 403 403 403
RoleModelView.edit                   login 200 403 403 403 403 403 403
UserGroupModelView.list              login 200 403 403 403 403 403 403
UserGroupModelView.show              login 200 403 403 403 403 403 403
UserGroupModelView.add               login 200 403 403 403 403 403 403
UserGroupModelView.edit              login 200 403 403 403 403 403 403
PermissionModelView.list             login 200 403 403 403 403 403 403
PermissionModelView.show             login 403 403 403 403 403 403 403
PermissionModelView.add              login 403 403 403 403 403 403 403
PermissionModelView.edit             login 403 403 403 403 403 403 403
PermissionViewModelView.list         login 200 403 403 403 403 403 403
PermissionViewModelView.show         login 403 403 403 403 403 403 403
PermissionViewModelView.add          login 403 403 403 403 403 403 403
PermissionViewModelView.edit         login 403 403 403 403 403 403 403
ViewMenuModelView.list               login 200 403 403 403 403 403 403
ViewMenuModelView.show               login 403 403 403 403 403 403 403
ViewMenuModelView.add                login 403 403 403 403 403 403 403
ViewMenuModelView.edit               login 403 403 403 403 403 403 403
NodeTypesView.list                   login 200 403 403 403 403 403 403
InstanceErrorsView.list              login 200 403 403 403 403 403 403
FailedTimersView.list                login 200 403 403 403 403 403 403
BackupsView.list                     login 200 403 403 403 403 403 403
InstanceMigrationView.list           login 200 403 403 403 403 403 403
InstanceMigrationView.plan           login 404 403 403 403 403 403 403
InstanceMigrationApi.proposal        401   404 403 403 403 403 403 403
health.live                          200   200 200 200 200 200 200 200
health.ready                         503   503 503 503 503 503 503 503
DefinitionsView.list                 login 200 200 403 200 403 403 200
DefinitionsView.definition           login 200 200 403 200 403 403 200
DefinitionsView.version              login 200 200 403 200 403 403 200
DefinitionsView.export               login 200 200 403 200 403 403 200
DefinitionsView.preview              login 200 200 403 200 403 403 200
DefinitionsView.draft                login 200 200 403 403 403 403 403
DefinitionsView.import_files         login 200 200 403 403 403 403 403
DesignerView.new                     login 200 200 404 404 404 404 404
DesignerView.edit                    login 200 200 404 404 404 404 404
DesignerApi.org_choices              401   200 200 404 404 404 404 404
DesignerApi.key                      401   200 200 404 404 404 404 404
OvertimeReportView.report            login 200 200 403 200 403 403 200
OvertimeReportView.export            login 200 200 403 200 403 403 200
OvertimeReportView.export_xlsx       login 200 200 403 200 403 403 200
UsageView.usage                      login 200 404 200 200 200 404 200
UsageView.export_csv                 login 200 404 200 200 200 404 200
UsageView.export_xlsx                login 200 404 200 200 200 404 200
InboxView.opinion_phrases            login 200 200 200 200 200 200 200
NotificationsView.settings           login 200 200 200 200 200 200 200
DocumentsView.index                  login 200 200 200 200 200 200 200
DocumentsView.show                   login 404 404 404 200 200 200 200
DocumentsView.attachment             login 404 404 404 200 200 200 200
DocumentsView.pdf                    login 404 404 404 200 200 200 200
DocumentsView.redhead                login 404 404 404 200 200 200 200
DocumentsView.print_copies           login 404 404 404 200 200 200 200
DocumentsView.board                  login 404 404 404 404 404 404 200
DocumentsView.clerks_page            login 200 403 403 403 403 403 403
OrgChangeView.index                  login 200 200 403 403 403 403 200
OrgChangeView.show                   login 404 404 403 403 403 403 404
OrgChangeView.analysis               login 200 200 403 403 403 403 200
OrgChangeView.reassign               login 200 403 403 403 403 403 403
OrgChangeApi.requests                401   200 200 403 403 403 403 200
OrgChangeApi.impact                  401   200 200 403 403 403 403 200
DocumentApi.mine                     401   200 200 200 200 200 200 200
DocumentApi.get                      401   404 404 404 200 200 200 200
DocumentApi.board                    401   404 404 404 404 404 404 200
InspectionView.index                 login 200 404 200 200 200 404 200
InspectionView.show                  login 200 404 200 200 200 404 200
InspectionView.sample                login 200 404 404 404 404 404 200
InspectionView.report_file           login 404 404 404 404 404 404 404
InspectionView.tickets               login 200 200 200 200 200 200 200
InspectionView.ticket                login 200 404 404 404 200 200 200
InspectionView.checklist             login 200 404 404 404 404 404 404
InspectionApi.mine                   401   200 200 200 200 200 200 200
LibraryView.index                    login 200 200 200 200 200 200 200
LibraryView.folder                   login 404 404 404 404 200 200 200
LibraryView.file                     login 404 404 404 404 200 200 200
LibraryView.download                 login 404 404 404 404 200 200 200
LibraryApi.folders                   401   200 200 200 200 200 200 200
LibraryApi.folder                    401   404 404 404 404 200 200 200
LibraryApi.search                    401   400 400 400 400 400 400 400
LibraryApi.file                      401   404 404 404 404 200 200 200
LibraryApi.download                  401   404 404 404 404 200 200 200
LibraryApi.download_version          401   404 404 404 404 200 200 200
NoticesView.index                    login 200 200 200 200 200 200 200
NoticesView.show                     login 404 404 404 404 200 200 200
NoticesView.attachment               login 404 404 404 404 200 200 200
NoticeApi.mine                       401   200 200 200 200 200 200 200
NoticeApi.get                        401   404 404 404 404 200 200 200
DiscussionView.index                 login 200 200 200 200 200 200 200
DiscussionView.todo                  login 200 200 200 200 200 200 200
DiscussionView.board                 login 200 200 404 404 200 200 200
DiscussionView.show                  login 200 200 404 404 200 200 200
DiscussionView.unanswered            login 200 200 404 404 404 404 200
DiscussionView.moderation_page       login 200 200 200 200 200 404 404
DiscussionApi.boards                 401   200 200 200 200 200 200 200
DiscussionApi.posts                  401   200 200 404 404 200 200 200
DiscussionApi.get_post               401   200 200 404 404 200 200 200
DiscussionApi.unanswered             401   200 200 404 404 404 404 200
"""

# Routes posted to without a session: the log-in form, and the JWT API's log-in and refresh
# (a token in the body or header, no cookie to forge).
NO_SESSION_POSTS = ("/login/", "/api/v1/security/")


def _expected() -> dict[str, list[str]]:
    rows = (line.split() for line in MATRIX.strip().splitlines())
    return {row[0]: row[1:] for row in rows}


def _samples(demo) -> dict[str, object]:
    from flask_appbuilder.security.sqla.models import Group

    from oa_platform.notifications.models import Notification
    from oa_platform.runtime.models import Question, Task

    leave = start("staff", "leave_request")
    claim = start("staff", "expense_claim")
    group = Group(name="Regional auditors")  # the demo has no group
    db.session.add(group)
    db.session.commit()
    task = db.session.scalars(db.select(Task).where(Task.instance_id == leave.id)).first()
    notice = db.session.scalars(
        db.select(Notification).where(Notification.user_id == user("head").id)
    ).first()
    question = db.session.scalars(db.select(Question)).first()
    # Issued by the Group Office to Sales (head, staff), Finance and the Management Center.
    document = issue_with_attachment()
    # The file library (seed 2 §7.1): a Sales company folder (head, staff) by the office.
    from tests.library_helpers import folder as library_folder
    from tests.library_helpers import publish as library_publish

    shelf = library_folder("销售资料", ["company:SLS"], company="SLS")
    shelf_file = library_publish(shelf, "价格表.txt", "价格".encode())
    # A Sales notice (§5.1) by staff for company:SLS (head, staff), with a file attached.
    from tests.notice_helpers import publish_with_attachment

    notice = publish_with_attachment(everyone=None, audience="company:SLS")
    # The discussion area (§8.2): staff posts on the Sales board about Finance; the Sales
    # board is for Sales, IT and Auditors; Finance's unanswered list for who answers it.
    from tests.discussion_helpers import board_of, department, post

    sales_board = board_of("department", ("SLS", "SALES"))
    asked = post("staff", board=sales_board)
    return {
        "board_id": sales_board.id,
        "post_id": asked.id,
        "reply_id": 1,
        "department_id": department("GRP", "FIN").id,
        "document_id": document.id,
        "folder_id": shelf.id,
        "file_id": shelf_file.id,
        "notice_id": notice.id,
        "notice_attachment": notice.attachments[0]["id"],
        "document_attachment": document.attachments[0]["id"],
        "request_id": 1,
        "group": group.id,
        "instance_id": leave.id,
        "task_id": task.id,
        "notification_id": notice.id,
        "question_id": question.id if question else 1,
        "attachment_id": claim.values["receipts"][0]["id"],
        "key": "leave_request",
        "number": 1,
        "node_id": "start",
        "version": "v1",
        "locale": "en",
        "group_by": 0,  # the chart's column, by number
        "kind": "users",
        "name": "deactivate",
        "timer_id": 1,
        "repair": "retry",
        "command": "urge",
        "filename": "x.txt",
        "table": "nodes",  # the usage view's exports
        **_inspection_samples(),  # issue 22
    }


def _address(rule, samples: dict[str, object]) -> str:
    address = rule.rule
    for argument in rule.arguments:
        if argument == "pk":
            # The staff member's user row, the group, the first row of anything else.
            view = rule.endpoint.partition(".")[0]
            value = {"OAUserModelView": user("staff").id, "UserGroupModelView": samples["group"]}
            value = value.get(view, 1)
        elif rule.endpoint == "DocumentsView.attachment" and argument == "attachment_id":
            value = samples["document_attachment"]
        elif rule.endpoint == "NoticesView.attachment" and argument == "attachment_id":
            value = samples["notice_attachment"]
        else:
            value = samples[argument]
        address = re.sub(rf"<(?:[^>:]*:)?{argument}>", str(value), address)
    if rule.endpoint == "DeactivateUserView.this_form_get":
        address += f"?pk={user('staff').id}"
    return address


def _outcome(answer) -> str:
    if answer.status_code == 302:
        return "login" if "/login/" in answer.headers["Location"] else "302"
    return str(answer.status_code)


def _routes(app, method: str):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if method in rule.methods and not rule.endpoint.endswith("static")
        ),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def test_every_get_route_answers_each_role_as_the_matrix_says(client, demo):
    expected = _expected()
    samples = _samples(demo)
    routes = _routes(demo, "GET")
    missing = sorted({rule.endpoint for rule in routes} - expected.keys())
    assert not missing, f"routes with no row in MATRIX (say what each role gets): {missing}"
    wrong = []
    for column, username in enumerate([None, *PEOPLE.values()]):
        client.delete_cookie("session")
        if username:
            login(client, username)
        for rule in routes:
            address = _address(rule, samples)
            got = _outcome(client.get(address))
            want = expected[rule.endpoint][column]
            if got != want:
                wrong.append(f"{username or 'anonymous'} GET {address}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


def test_every_state_changing_route_refuses_a_post_without_the_csrf_token(client, demo):
    """A forged cross-site post carries the session cookie but not the page's token."""
    samples = _samples(demo)
    login(client, "admin")
    refused = []
    routes = [rule for rule in _routes(demo, "POST") if not rule.rule.startswith(NO_SESSION_POSTS)]
    assert len(routes) > 30
    for rule in routes:
        address = _address(rule, samples)
        answer = client.post(address, data={"opinion": "forged"}, csrf=False)
        if answer.status_code != 400 or "security token" not in answer.get_data(as_text=True):
            refused.append(f"POST {address}: {answer.status_code}")
    assert not refused, "accepted without the token:\n" + "\n".join(refused)
    assert client.get("/inbox/").status_code == 200  # still signed in: nothing was done


def _inspection_samples() -> dict[str, int]:
    """The quarter's inspection by IT over the requests above (issue 22): a finding on the
    first sampled request (missing attachments: the initiator, staff, answers) and its ticket
    issued; staff's unit head sees it, IT and Auditors see everything."""
    from datetime import date

    from oa_platform.inspection import commands as inspection
    from oa_platform.inspection.models import SampledInstance, Ticket
    from oa_platform.reports.periods import quarter_of
    from oa_platform.runtime.models import Instance

    quarter = quarter_of(date.today())
    found = inspection.open_inspection(
        db.session,
        user("admin"),
        inspection.InspectionRequest("Q", quarter.first, quarter.last, sample_size=50),
    )
    sample = db.session.scalars(
        db.select(SampledInstance)
        .join(Instance, Instance.id == SampledInstance.instance_id)
        .where(SampledInstance.inspection_id == found.id, Instance.initiator_id == user("staff").id)
    ).first()
    finding = inspection.record_finding(db.session, user("admin"), sample.id, "attachments", "x")
    ticket = db.session.scalars(db.select(Ticket).where(Ticket.finding_id == finding.id)).one()
    inspection.issue_ticket(db.session, user("admin"), ticket.id)
    db.session.commit()
    return {
        "inspection_id": found.id,
        "sample_id": sample.id,
        "ticket_id": ticket.id,
        "ticket_step": "issue",
        # The instance migration API's step (issue 23), which had no sample yet.
        "step": "preview",
    }
