"""The roles the platform seeds and their permissions, as FAB built-in roles.

Built-in roles are regular expressions over (view, permission) checked in memory, so a page
costs no permission queries for them (see ARCHITECTURE.md, "Known costs"). Role names are
what administrators assign to users; the permissions live here, reviewed like code.
"""

from __future__ import annotations

# Roles whose accounts only Admin manages: only Admin grants them (HR's choices leave them
# out) and only Admin resets their passwords, whoever heads their department (issue 17).
PRIVILEGED_ROLES = frozenset({"Admin", "Auditor", "Process Designer"})

# Every signed-in person: their own password and profile, their team's resets (the reset
# command itself checks the §4.1 head rule), the dashboard. Not their display name: names are
# HR's to keep (people sign opinions with them), so FAB's "edit my user info" is not granted.
_STAFF = [
    ("ChangePasswordView", "can_this_form_(get|post)"),
    ("ResetPasswordView", "can_this_form_(get|post)"),
    ("MyTeamView", "can_list"),
    ("My Team", "menu_access"),
    ("OAUserModelView", "can_userinfo"),
    ("MenuApi", "can_get"),
    # The process REST API; the commands behind it check each instance and task. Its
    # OpenAPI spec and Swagger page describe only what each caller may then call.
    ("ProcessApi", "can_(read|write)"),
    ("OpenApi", "can_get"),
    ("SwaggerView", "can_show"),
    ("OAUserModelView", "resetmypassword"),
    # Processes (regulations §3): start one, work the inbox, see and act on an instance; the
    # runtime decides which instances and which actions (visibility.py, commands.py).
    ("ProcessCatalogueView", "can_(list|start)"),
    ("InboxView", "can_list"),
    ("InstanceView", "can_(show|act)"),
    ("(Inbox|Start a Process)", "menu_access"),
    # Their own notifications (the view only ever shows or changes the owner's rows).
    ("NotificationsView", "can_(list|read)"),
    # Agents while away (first §3.4, second §4.4); agents/commands.py decides for whom.
    ("AgentsView", "can_(list|add|revoke)"),
    ("My Agents", "menu_access"),
    # Official documents (seed 2 §4): documents/policy.py decides which ones and what.
    ("DocumentsView", "can_(list|show|act)"),
    ("DocumentApi", "can_(read|write)"),
    ("Documents", "menu_access"),
    # IT's usage view (§2.1.1): usage/policy.py decides (Admin and Auditors every unit, a
    # unit head theirs, anyone else 404); the menu shows it to the roles that use it.
    ("UsageView", "can_list"),
    # Their own red and white tickets (§8.7): read, appeal once, decide their people's
    # appeals; inspection/policy.py decides which tickets and reports.
    ("InspectionView", "can_(tickets|list|show|act)"),
    ("InspectionApi", "can_(read|write)"),
    ("My Tickets", "menu_access"),
    # IT's usage view (§2.1.1): usage/policy.py decides (Admin and Auditors every unit, a
    # unit head theirs, anyone else 404); the menu shows it to the roles that use it.
    ("UsageView", "can_list"),
    # The file library (seed 2 §7.1): library/policy.py decides which folders and who
    # publishes (the office).
    ("LibraryView", "can_(list|show|publish)"),
    ("LibraryApi", "can_read"),
    ("File Library", "menu_access"),
    # The discussion area (§8.2, §8.3): discussion/policy.py decides which boards, posts
    # and moderation steps (IT and each board's owner moderate).
    ("DiscussionView", "can_(list|show|act|moderate)"),
    ("DiscussionApi", "can_(read|write)"),
    ("Discussion", "menu_access"),
    # Notices and briefings (§5.1): notices/policy.py decides which ones and what.
    ("NoticesView", "can_(list|show|act)"),
    ("NoticeApi", "can_read"),
    ("Notices", "menu_access"),
    # The people picker (issue 19): org/policy.py decides whom it offers, the same people
    # as every list of users.
    ("PeoplePickerView", "can_search"),
]
_ORG_READ = [
    ("(CompanyModelView|DepartmentModelView|PositionModelView)", "can_(list|show)"),
    ("(Organisation|Companies|Departments|Positions)", "menu_access"),
]

# Organisation changes (§2.1.2, §8.4): IT's process designers and Auditors read the change
# requests and their impact; only Admin applies and reassigns (orgchange/policy.py).
_ORG_CHANGES_READ = [
    ("OrgChangeView", "can_(list|show)"),
    ("OrgChangeApi", "can_read"),
    ("Organisation Changes", "menu_access"),
]

# Process definitions: designers (IT) edit and publish, the Management Center reviews (§2.3).
_DEFINITIONS_READ = [
    ("DefinitionsView", "can_(list|preview)"),
    ("(Process Design|Definitions)", "menu_access"),
]

# The quarterly overtime inspection (§8.5): IT inspects, the Management Center and Auditors
# read the same report.
_REPORTS = [
    ("OvertimeReportView", "can_list"),
    ("(Reports|Overtime Inspection)", "menu_access"),
]

_USAGE_MENU = [("(Reports|System Usage)", "menu_access")]

ROLES: dict[str, list[tuple[str, str]]] = {
    # IT department: administers the platform.
    "Admin": [(".*", ".*")],
    # Human Resources: user information, registration, import and deactivation (§2.2, §4.2).
    "HR": _STAFF
    + _ORG_READ
    + [
        ("OAUserModelView", "can_(list|show|add|edit)|deactivate"),
        ("DeactivateUserView", "can_this_form_(get|post)"),
        ("UserImportView", "can_form"),
        ("(Security|List Users|Accounts|Import Users)", "menu_access"),
    ],
    # IT staff who design, import and publish process forms (§2.1.2, §3.2).
    "Process Designer": _STAFF
    + _ORG_READ
    + _DEFINITIONS_READ
    + _REPORTS
    + _ORG_CHANGES_READ
    + [("DefinitionsView", "can_design"), ("(Import Definitions|New Definition)", "menu_access")],
    # Reviews new and changed process forms (§2.3).
    "Management Center": _STAFF
    + _ORG_READ
    + _DEFINITIONS_READ
    + _REPORTS
    + [("DefinitionsView", "can_review")],
    # Department heads: their team's resets; the org rule decides whose.
    "Unit Head": _STAFF + _ORG_READ + _USAGE_MENU,
    "Staff": _STAFF,
    # Reads every trail, changes nothing.
    "Auditor": _STAFF
    + _ORG_READ
    + [
        ("AccountEventView", "can_(list|show)"),
        ("(Accounts|Account Audit)", "menu_access"),
        # Every instance, read only (visibility.py lets Auditors see them all).
        ("InboxView", "can_audit"),
    ]
    + _ORG_CHANGES_READ
    + _DEFINITIONS_READ
    + _REPORTS
    + _USAGE_MENU,
}

# Inspections and their reports (§8.5, issue 22): a unit head reads their unit's
# findings, Auditors everything (inspection/policy.py decides).
for _role in ("Unit Head", "Auditor"):
    ROLES[_role] = ROLES[_role] + [("Inspections", "menu_access")]
