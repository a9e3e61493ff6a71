"""Languages and times as people read them (issue 18).

Flask-AppBuilder sets Flask-Babel up (its ``BabelManager``: its own catalogs, then ours from
``translations/``, which override its messages where both have one) and offers its language
menu (``/lang/<locale>``). This module replaces how a request's language is chosen and makes
the choice stick to the person:

1. the signed-in person's saved choice (``ab_user.locale``, set by the language menu);
2. the choice made on this browser before signing in (the session, as FAB keeps it);
3. the browser's ``Accept-Language`` (also how the REST API's clients ask);
4. ``OA_DEFAULT_LOCALE`` (``zh_CN``).

Outside a request (Celery jobs, the CLI) the default applies; mail and notices wrap what they
write for one person in :func:`recipient_locale`.

Times are stored as naive UTC and shown in the company's time zone (``OA_TIMEZONE``) by one
function, :func:`format_when`, which templates reach as the ``when`` filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import force_locale, get_locale, refresh
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from oa_platform import outages
from plugins import contract, field_kit

# Date and time patterns per language, as people there write them (CLDR skeletons would
# give "2026/5/3" for Chinese; offices write 2026-05-03 or 2026年5月3日).
_DATETIME_PATTERNS = {"zh": "yyyy-MM-dd HH:mm", "en": "d MMM yyyy, HH:mm"}
_DATE_PATTERNS = {"zh": "yyyy年M月d日", "en": "d MMM yyyy"}


def configure(app: Flask) -> None:
    """Before Flask-AppBuilder starts Flask-Babel: its defaults follow the platform's
    settings (tests and deployments override ``OA_DEFAULT_LOCALE`` and ``OA_TIMEZONE``)."""
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["OA_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["OA_TIMEZONE"]
    if app.config["OA_DEFAULT_LOCALE"] not in app.config["LANGUAGES"]:
        raise RuntimeError(
            f"OA_DEFAULT_LOCALE {app.config['OA_DEFAULT_LOCALE']!r} is not one of LANGUAGES "
            f"({', '.join(app.config['LANGUAGES'])})"
        )


def init_app(app: Flask) -> None:
    """After Flask-AppBuilder: our locale selector, the language menu saving the choice for
    the signed-in person, and the formatting filters."""
    app.extensions["babel"].locale_selector = select_locale
    endpoint = "LocaleView.index"
    fab_choose = app.view_functions[endpoint]

    def choose_language(locale: str):
        if locale in current_app.config["LANGUAGES"] and current_user.is_authenticated:
            save_choice(current_user, locale)
        return fab_choose(locale=locale)

    app.view_functions[endpoint] = choose_language
    app.jinja_env.filters.update(when=format_when, day=format_day, money=format_money)
    from oa_platform import api_messages

    api_messages.init_app(app)
    from oa_platform.runtime.labels import status_label
    from oa_platform.runtime.opinions import button
    from oa_platform.runtime.trace import node_state_label

    app.jinja_env.globals.update(
        current_language=current_language,
        time_zone=time_zone,
        status_label=status_label,
        action_label=button,
        node_state_label=node_state_label,
    )


def save_choice(user: Any, locale: str) -> None:
    """Remember ``locale`` as ``user``'s language: one column of the person's own row, in
    its own unit of work (nothing audited)."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.unit_of_work import unit_of_work

    user_id = user.id

    def work() -> None:
        row = db.session.get(OAUser, user_id)
        if row is not None:
            row.locale = locale

    unit_of_work(db.session).run(work)
    refresh()


def _supported(tag: str | None) -> str | None:
    """``tag`` as one of LANGUAGES' keys (``zh-cn``, ``zh_Hans_CN``, ``zh`` are zh_CN)."""
    if not tag:
        return None
    languages = current_app.config["LANGUAGES"]
    if tag in languages:
        return tag
    language = tag.replace("-", "_").split("_")[0].lower()
    for key in languages:
        if key.split("_")[0].lower() == language:
            return key
    return None


def select_locale() -> str:
    """The request's language (see the module's docstring for the order)."""
    default = current_app.config["OA_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    saved = _account_choice()
    if saved:
        return saved
    chosen = _supported(session.get("locale"))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        found = _supported(tag)
        if found:
            return found
    return default


def _account_choice() -> str | None:
    """The signed-in person's saved language; None when nobody is signed in, or when the
    database holding the account is away (the outage's 503 answer still speaks the
    session's or the browser's language, oa_platform/outages.py)."""
    try:
        if not (current_user and current_user.is_authenticated):
            return None
        return _supported(getattr(current_user, "locale", None))
    except SQLAlchemyError as error:  # loading the person, or their row expired by a rollback
        if outages.database_unavailable(error):
            return None
        raise


def current_language() -> str:
    """The request's language as LANGUAGES names it (``zh_CN`` or ``en``)."""
    default = current_app.config["OA_DEFAULT_LOCALE"]
    return _supported(str(get_locale() or default)) or default


def _language() -> str:
    return (get_locale() or current_app.config["OA_DEFAULT_LOCALE"]).__str__().split("_")[0]


@contextmanager
def recipient_locale(user: Any) -> Iterator[None]:
    """Write for ``user`` in their language (their saved choice, else the default): for
    notices and mails, which are read by someone other than whoever caused them."""
    locale = _supported(getattr(user, "locale", None)) or current_app.config["OA_DEFAULT_LOCALE"]
    with force_locale(locale):
        yield


def company_zone():
    """The company's time zone (``OA_TIMEZONE``), in which people count their days."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(current_app.config["OA_TIMEZONE"] or "UTC")


_zone = company_zone


def local_time(value: datetime) -> datetime:
    """A stored (naive UTC) time in the company's time zone."""
    from datetime import UTC

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone())


def format_when(value: datetime | None, empty: str = "—") -> str:
    """A stored time as people read it: the company's time zone, the request's language."""
    if value is None:
        return empty
    language = _language()
    pattern = _DATETIME_PATTERNS.get(language, _DATETIME_PATTERNS["en"])
    return babel_format_datetime(local_time(value), pattern, locale=str(get_locale() or "en"))


def format_day(value: date | datetime | None, empty: str = "—") -> str:
    """A date (a stored time's day in the company's time zone) in the request's language."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = local_time(value).date()
    language = _language()
    pattern = _DATE_PATTERNS.get(language, _DATE_PATTERNS["en"])
    return babel_format_date(value, pattern, locale=str(get_locale() or "en"))


def format_money(value: Decimal | int | float | str | None, currency: str = "CNY") -> str:
    """An amount as money in the request's language: ¥1,234.50 / CN¥1,234.50."""
    if value is None or value == "":
        return ""
    return field_kit.money_text(value, currency)


def time_zone() -> str:
    """The company's time zone as people read it ("中国时间", "China Time"), for footnotes."""
    from babel.dates import get_timezone_location, get_timezone_name

    zone = current_app.config["OA_TIMEZONE"] or "UTC"
    locale = str(get_locale() or "en")
    if zone == "UTC":
        return "UTC"
    try:
        return get_timezone_name(zone, width="long", locale=locale, zone_variant="generic")
    except LookupError:
        return get_timezone_location(zone, locale=locale)


# The marker for words translated where they are shown, the plugins' own (re-exported).
N_ = contract.N_

# Role names are stored in English (FAB's ab_role, oa_platform/roles.py); pages show them
# through gettext.
ROLE_NAMES = (
    N_("Admin"),
    N_("HR"),
    N_("Process Designer"),
    N_("Management Center"),
    N_("Unit Head"),
    N_("Staff"),
    N_("Auditor"),
    N_("Public"),
)

# Field types' palette groups (plugins/field_types/, FieldType.category), stored in English;
# the node types page and the designer show them through gettext.
FIELD_TYPE_CATEGORIES = (
    N_("Text"),
    N_("Numbers and dates"),
    N_("Choices"),
    N_("People"),
    N_("Files"),
    N_("Layout"),
)
