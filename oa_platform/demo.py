"""Demo data for `make run`: a small group company, its departments, one user per role.

Every company, department, position and person has a Chinese name (``name_zh``) beside the
English one: a Chinese reader sees the Chinese, the others (and the tests, which read
English) the English.

Idempotent: running it again finds what exists and adds only what is missing. Demo
passwords are printed for people trying the platform; never load this into production.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from oa_platform.accounts.models import OAUser
from oa_platform.accounts.passwords import store_password
from oa_platform.extensions import db
from oa_platform.org.models import Company, CompanyKind, Department, Position

DEMO_PASSWORD = "Spring-Lotus-42!"
EXAMPLE_DEFINITIONS = Path(__file__).resolve().parent.parent / "examples" / "definitions"

COMPANIES = [
    ("GRP", "Example Group", CompanyKind.GROUP, None),
    ("HLD", "Example Holding Co.", CompanyKind.HOLDING, "GRP"),
    ("SLS", "Example Sales Co.", CompanyKind.SALES, "GRP"),
]
COMPANY_NAMES_ZH = {"GRP": "示例集团", "HLD": "示例控股有限公司", "SLS": "示例销售有限公司"}
# (company, code, name, parent code)
DEPARTMENTS = [
    ("GRP", "OFFICE", "Group Office", None),
    ("GRP", "IT", "Information Technology Department", "OFFICE"),
    ("GRP", "HR", "Human Resources Center", None),
    ("GRP", "MC", "Management Center", None),
    ("GRP", "FIN", "Finance Department", None),
    ("HLD", "GM", "General Management", None),
    ("SLS", "SALES", "Sales Department", None),
]
DEPARTMENT_NAMES_ZH = {
    ("GRP", "OFFICE"): "集团办公室",
    ("GRP", "IT"): "信息技术部",
    ("GRP", "HR"): "人力资源中心",
    ("GRP", "MC"): "管理中心",
    ("GRP", "FIN"): "财务部",
    ("HLD", "GM"): "总经理办公室",
    ("SLS", "SALES"): "销售部",
}
POSITIONS = [
    ("Chairman", 100),
    ("General Manager", 90),
    ("Director", 70),
    ("Manager", 50),
    ("Engineer", 20),
    ("Clerk", 10),
]
POSITION_NAMES_ZH = {
    "Chairman": "董事长",
    "General Manager": "总经理",
    "Director": "总监",
    "Manager": "经理",
    "Engineer": "工程师",
    "Clerk": "文员",
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    department: tuple[str, str]
    position: str
    must_change_password: bool = False


USERS = [
    DemoUser("admin", "Ivy", "Admin", "Admin", ("GRP", "IT"), "Engineer"),
    DemoUser("designer", "Derek", "Tan", "Process Designer", ("GRP", "IT"), "Engineer"),
    DemoUser("hr", "Hannah", "Reed", "HR", ("GRP", "HR"), "Manager"),
    DemoUser("mc", "Marcus", "Chen", "Management Center", ("GRP", "MC"), "Director"),
    DemoUser("leader", "Laura", "Lin", "Unit Head", ("GRP", "OFFICE"), "General Manager"),
    DemoUser("head", "Henry", "Ho", "Unit Head", ("SLS", "SALES"), "Manager"),
    DemoUser("staff", "Sam", "Wu", "Staff", ("SLS", "SALES"), "Clerk"),
    DemoUser("finance", "Fiona", "Zhao", "Staff", ("GRP", "FIN"), "Manager"),
    DemoUser("auditor", "Alan", "Park", "Auditor", ("GRP", "OFFICE"), "Clerk"),
    # The Group Office's document clerk and the secretary who checks drafts (seed 2 §3.1, §4.6).
    DemoUser("clerk", "Chloe", "Liu", "Staff", ("GRP", "OFFICE"), "Clerk"),
    DemoUser("secretary", "Sophie", "Ma", "Staff", ("GRP", "OFFICE"), "Manager"),
    # Shows the first-log-in rule: must change the initial password before anything else.
    DemoUser("newhire", "Nina", "Xu", "Staff", ("SLS", "SALES"), "Clerk", True),
]
USER_NAMES_ZH = {
    "admin": "王艾薇",
    "designer": "陈德瑞",
    "hr": "李汉娜",
    "mc": "陈马可",
    "leader": "林晓兰",
    "head": "何志恒",
    "staff": "吴森",
    "finance": "赵菲",
    "auditor": "白安伦",
    "newhire": "徐妮娜",
    "clerk": "刘晨",
    "secretary": "马思菲",
}
# department -> (head, leader in charge)
LEADERSHIP = {
    ("GRP", "OFFICE"): ("leader", "leader"),
    ("GRP", "IT"): ("admin", "leader"),
    ("GRP", "HR"): ("hr", "leader"),
    ("GRP", "MC"): ("mc", "leader"),
    ("GRP", "FIN"): ("finance", "leader"),
    ("HLD", "GM"): ("leader", "leader"),
    ("SLS", "SALES"): ("head", "leader"),
}


def real_usernames() -> list[str]:
    """User names in the database that are not the demo's, sorted: accounts someone made."""
    demo = {user.username for user in USERS}
    names = db.session.scalars(select(OAUser.username).order_by(OAUser.username))
    return [name for name in names if name not in demo]


def load_demo_data() -> list[DemoUser]:
    """Create what is missing and commit; return the demo users for printing."""
    session = db.session
    companies: dict[str, Company] = {}
    for code, name, kind, parent in COMPANIES:
        company = session.query(Company).filter_by(code=code).one_or_none()
        if company is None:
            company = Company(code=code, name=name, kind=kind, parent=companies.get(parent))
            session.add(company)
        company.name_zh = company.name_zh or COMPANY_NAMES_ZH[code]
        companies[code] = company
    departments: dict[tuple[str, str], Department] = {}
    for company_code, code, name, parent in DEPARTMENTS:
        company = companies[company_code]
        unit = session.query(Department).filter_by(company=company, code=code).one_or_none()
        if unit is None:
            unit = Department(
                company=company,
                code=code,
                name=name,
                parent=departments.get((company_code, parent)),
            )
            session.add(unit)
        unit.name_zh = unit.name_zh or DEPARTMENT_NAMES_ZH[(company_code, code)]
        departments[(company_code, code)] = unit
    positions: dict[str, Position] = {}
    for name, rank in POSITIONS:
        position = session.query(Position).filter_by(name=name).one_or_none()
        if position is None:
            position = Position(name=name, rank=rank)
            session.add(position)
        position.name_zh = position.name_zh or POSITION_NAMES_ZH[name]
        positions[name] = position
    session.flush()

    sm = current_app.appbuilder.sm
    users: dict[str, OAUser] = {}
    for spec in USERS:
        user = sm.find_user(username=spec.username)
        if user is None:
            user = OAUser(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@example.com",
                active=True,
                roles=[sm.find_role(spec.role)],
                department=departments[spec.department],
                position=positions[spec.position],
            )
            session.add(user)
            session.flush()
            store_password(session, user, DEMO_PASSWORD, must_change=spec.must_change_password)
        user.name_zh = user.name_zh or USER_NAMES_ZH[spec.username]
        users[spec.username] = user
    for key, (head, leader) in LEADERSHIP.items():
        unit = departments[key]
        unit.head = unit.head or users[head]
        unit.leader_in_charge = unit.leader_in_charge or users[leader]
    session.flush()
    publish_example_definitions(designer=users["designer"], reviewer=users["mc"])
    session.commit()
    return USERS


def publish_example_definitions(designer: OAUser, reviewer: OAUser) -> list[str]:
    """Take each example definition through the whole review, as IT and the Management
    Center would; definitions already published are left alone. Returns the keys published."""
    from form_builder import services
    from form_builder.format import parse_json

    lifecycle = services.lifecycle()
    published = []
    for path in sorted(EXAMPLE_DEFINITIONS.glob("*.json")):
        document = parse_json(path.read_bytes())
        definition = lifecycle.definition(document["key"], missing_ok=True)
        if definition is not None and definition.latest_published() is not None:
            continue
        version = lifecycle.save_draft(designer, document)
        lifecycle.submit(designer, version)
        lifecycle.approve(reviewer, version, "Reviewed with the applying department.")
        lifecycle.publish(designer, version)
        published.append(document["key"])
    return published


def published_examples() -> list[tuple[str, str]]:
    """(key, title) of each example definition that has a published version, for the demo
    command to say what it published (issue 19, deliver 10)."""
    from form_builder import services
    from form_builder.format import parse_json

    lifecycle = services.lifecycle()
    examples = []
    for path in sorted(EXAMPLE_DEFINITIONS.glob("*.json")):
        document = parse_json(path.read_bytes())
        definition = lifecycle.definition(document["key"], missing_ok=True)
        if definition is not None and definition.latest_published() is not None:
            name = document.get("name") or document["key"]
            if isinstance(name, dict):  # {"zh_CN": ..., "en": ...}: both, as the forms show
                name = " / ".join(
                    dict.fromkeys(v for v in (name.get("en"), name.get("zh_CN")) if v)
                )
            examples.append((document["key"], str(name)))
    return examples
