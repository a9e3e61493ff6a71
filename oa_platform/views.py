"""Registers every page of the platform with Flask-AppBuilder, grouped as the menu shows them."""

from __future__ import annotations

from flask import current_app, g
from flask_appbuilder import AppBuilder, IndexView, expose

from form_builder.clock import utcnow
from oa_platform.accounts.commands import current_policy
from oa_platform.extensions import db
from oa_platform.i18n import (
    N_,
)  # menu words: FAB keeps them English, translates on render
from oa_platform.org.directory import OrgDirectory
from oa_platform.runtime import inbox, todo_age


class DashboardView(IndexView):
    """The start page after log-in."""

    route_base = ""
    index_template = "dashboard.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        expires = current_policy().expires_at(user.password_changed_at) if user else None
        badges = inbox.counts(db.session, user.id) if user else None
        ages = todo_age.todo_ages(db.session, user.id, utcnow()) if user else None
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            user=user,
            password_expires=expires,
            badges=badges,
            todo_ages=ages,
            todo_age_chart=todo_age.chart(ages) if ages and ages.total else None,
        )


def register_views(appbuilder: AppBuilder) -> None:
    from form_builder.designer import org as designer_org
    from form_builder.designer.api import DesignerApi
    from form_builder.designer.views import DesignerView
    from form_builder.views import DefinitionsView
    from oa_platform.accounts.views import (
        AccountEventView,
        ConfirmMoveView,
        DeactivateUserView,
        MyTeamView,
        UserImportView,
    )
    from oa_platform.agents.views import AgentsView
    from oa_platform.discussion.views import DiscussionView
    from oa_platform.discussion.views import init_app as init_discussion
    from oa_platform.documents.views import DocumentsView
    from oa_platform.documents.views import init_app as init_documents
    from oa_platform.library.views import LibraryView
    from oa_platform.notices.views import NoticesView
    from oa_platform.notices.views import init_app as init_notices
    from oa_platform.notifications.views import NotificationsView
    from oa_platform.org.views import (
        CompanyModelView,
        DepartmentModelView,
        PositionModelView,
    )
    from oa_platform.orgchange.views import OrgChangeView
    from oa_platform.reports.views import OvertimeReportView
    from oa_platform.runtime.admin_views import (
        FailedTimersView,
        InstanceErrorsView,
        NodeTypesView,
    )
    from oa_platform.runtime.views import InboxView, InstanceView, ProcessCatalogueView
    from oa_platform.runtime.views import static as runtime_static
    from oa_platform.usage.views import UsageView

    current_app.register_blueprint(runtime_static)
    appbuilder.add_view(InboxView, N_("Inbox"), icon="fa-inbox")
    appbuilder.add_view(ProcessCatalogueView, N_("Start a Process"), icon="fa-play-circle")
    appbuilder.add_view_no_menu(InstanceView)
    appbuilder.add_view(AgentsView, N_("My Agents"), icon="fa-user-secret")
    appbuilder.add_view(DocumentsView, N_("Documents"), icon="fa-file-text-o")
    init_documents(current_app)
    appbuilder.add_view(LibraryView, N_("File Library"), icon="fa-folder-open")
    appbuilder.add_view(DiscussionView, N_("Discussion"), icon="fa-comments")
    init_discussion(current_app)  # the inbox's Discussion tab counts my to-dos
    appbuilder.add_view(NoticesView, N_("Notices"), icon="fa-bullhorn")
    init_notices(current_app)
    # Reached from the navbar bell (appbuilder/navbar_right.html), not the menu.
    appbuilder.add_view_no_menu(NotificationsView)

    appbuilder.add_view(
        CompanyModelView,
        N_("Companies"),
        icon="fa-building",
        category=N_("Organisation"),
        category_icon="fa-sitemap",
    )
    appbuilder.add_view(
        DepartmentModelView,
        N_("Departments"),
        icon="fa-users",
        category=N_("Organisation"),
    )
    appbuilder.add_view(
        PositionModelView,
        N_("Positions"),
        icon="fa-id-badge",
        category=N_("Organisation"),
    )
    # §2.1.2, §8.4: change requests, their impact and bulk reassignment (orgchange/policy.py).
    appbuilder.add_view(
        OrgChangeView,
        N_("Organisation Changes"),
        icon="fa-exchange",
        category=N_("Organisation"),
    )
    appbuilder.add_view(
        UserImportView,
        N_("Import Users"),
        icon="fa-upload",
        category=N_("Accounts"),
        category_icon="fa-address-book",
    )
    appbuilder.add_view(
        AccountEventView,
        N_("Account Audit"),
        icon="fa-history",
        category=N_("Accounts"),
    )
    appbuilder.add_view(
        DefinitionsView,
        N_("Definitions"),
        icon="fa-sitemap",
        category=N_("Process Design"),
        category_icon="fa-pencil-square-o",
    )
    appbuilder.add_view_no_menu(DesignerView)
    appbuilder.add_view_no_menu(DesignerApi)
    designer_org.init_app(current_app, OrgDirectory)
    # Issue 19: one people picker (tree and pinyin search) wherever a person is chosen.
    from oa_platform.org import people_views

    people_views.init_app(current_app, appbuilder)
    # Issue 23: the designer marks nodes that would resolve to nobody; the list flags them.
    from form_builder import org_health
    from oa_platform.orgchange import marks

    org_health.init_app(current_app, marks.unresolvable)
    appbuilder.add_link(
        N_("New Definition"),
        href="/designer/",
        icon="fa-magic",
        category=N_("Process Design"),
    )
    appbuilder.add_link(
        N_("Import Definitions"),
        href="/definitions/import",
        icon="fa-upload",
        category=N_("Process Design"),
    )
    appbuilder.add_view(
        NodeTypesView,
        N_("Node Types"),
        icon="fa-puzzle-piece",
        category=N_("Administration"),
        category_icon="fa-wrench",
    )
    appbuilder.add_view(
        InstanceErrorsView,
        N_("Instances in Error"),
        icon="fa-exclamation-triangle",
        category=N_("Administration"),
    )
    appbuilder.add_view(
        FailedTimersView,
        N_("Failed Timers"),
        icon="fa-clock-o",
        category=N_("Administration"),
    )
    # Issue 23: IT moves running instances to a newer version of their definition.
    from oa_platform.migration.views import InstanceMigrationView

    appbuilder.add_view(
        InstanceMigrationView,
        N_("Instance Migration"),
        icon="fa-random",
        category=N_("Administration"),
    )
    # Seed 2 §4.6: IT names each unit's document clerks (DocumentsView's "clerks" permission).
    appbuilder.add_link(
        N_("Document Clerks"),
        href="/documents/clerks",
        icon="fa-id-card-o",
        category=N_("Administration"),
    )
    appbuilder.add_view(
        OvertimeReportView,
        N_("Overtime Inspection"),
        icon="fa-clock-o",
        category=N_("Reports"),
        category_icon="fa-bar-chart",
    )
    # §2.1.1: Admin, Auditors and unit heads (usage/policy.py decides which units).
    appbuilder.add_view(UsageView, N_("System Usage"), icon="fa-line-chart", category=N_("Reports"))
    appbuilder.add_view(MyTeamView, N_("My Team"), icon="fa-users")
    appbuilder.add_view_no_menu(DeactivateUserView)
    appbuilder.add_view_no_menu(ConfirmMoveView)
