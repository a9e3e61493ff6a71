"""The library pages (资料库, seed 2 §7.1): the folders a person reads and the search; one
folder's files with the office's forms (publish, audience); one file with its versions,
downloads and, for the office and Auditors, its trail; the downloads.

Every page asks ``policy``: a folder or file the reader may not open is a 404 on every
address, the downloads included. Changes go through ``commands``; a refused one changes
nothing and the page says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from form_builder.attachments import AttachmentStore
from oa_platform.extensions import db
from oa_platform.library import commands, policy, queries
from oa_platform.library.policy import LibraryNotFoundError
from oa_platform.org.models import Company

QUERY_LENGTH = 100
# What the trail and the withdrawal form call things.
EVENTS = {
    "folder_created": lazy_gettext("folder created"),
    "audience_changed": lazy_gettext("audience changed"),
    "published": lazy_gettext("published"),
    "version_added": lazy_gettext("new version"),
    "withdrawn": lazy_gettext("withdrawn"),
}
WITHDRAWN_AS = {"invalid": lazy_gettext("invalid"), "confidential": lazy_gettext("confidential")}


def _upload() -> commands.Upload | None:
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return None
    return commands.Upload(sent.filename, sent.read())


def _change(command: Callable[[], Any], done: Callable[[Any], str], back: str) -> Response:
    """Run a command of the page: say what it did or why it was refused; 404 when the folder
    or file is not the reader's to know."""
    try:
        flash(done(command()), "success")
    except LibraryNotFoundError:
        abort(404)
    except commands.LibraryCommandError as error:
        flash(str(error), "danger")
    return redirect(back)


def send(version) -> Response:
    """A version's bytes as a download under its original name (sniffed type, never the
    name's; ``nosniff`` is set for every answer by security_headers)."""
    store = AttachmentStore.for_app(current_app)
    return send_file(
        store.open(version.attachment),
        mimetype=version.attachment.content_type,
        as_attachment=True,
        download_name=version.file_name,
        max_age=0,
    )


class LibraryView(BaseView):
    """The shared file library: folders, search, files, versions and downloads."""

    route_base = "/library"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        session = db.session
        seen = policy.reader(session, g.user)
        text = request.args.get("q", "").strip()[:QUERY_LENGTH]
        units: list[tuple[str, str]] = []  # (value, label) of the units it makes folders for
        if policy.is_publisher(session, g.user):
            for company in session.scalars(select(Company).order_by(Company.code)):
                if not policy.may_make_folder(session, g.user, company):
                    continue
                units.append((company.code, company.shown_name))
                units.extend(
                    (f"{company.code}/{unit.code}", f"{company.shown_name} / {unit.shown_name}")
                    for unit in sorted(company.departments, key=lambda d: d.code)
                )
        return self.render_template(
            "library/index.html",
            folders=queries.folders(session, seen),
            query=text,
            found=queries.find(session, seen, text) if text else [],
            units=units,
        )

    @expose("/folders", methods=["POST"])
    @has_access
    @permission_name("publish")
    def create_folder(self):
        form = request.form
        # "GRP" for a company's own folder, "GRP/FIN" for one of its departments'.
        company, _slash, department = form.get("unit", "").partition("/")
        return _change(
            lambda: commands.create_folder(
                db.session,
                g.user,
                company,
                department,
                form.get("name", ""),
                commands.parse_audience(form.get("audience", "")),
            ),
            lambda _folder: gettext("Folder created."),
            url_for("LibraryView.index"),
        )

    @expose("/folders/<int:folder_id>")
    @has_access
    @permission_name("show")
    def folder(self, folder_id: int):
        session = db.session
        seen = policy.reader(session, g.user)
        try:
            found = policy.folder(session, g.user, folder_id, seen)
        except LibraryNotFoundError:
            abort(404)
        return self.render_template(
            "library/folder.html",
            folder=found,
            files=queries.files(session, seen, found),
            may_publish=policy.may_publish(session, g.user, found),
        )

    @expose("/folders/<int:folder_id>/audience", methods=["POST"])
    @has_access
    @permission_name("publish")
    def audience(self, folder_id: int):
        entries = commands.parse_audience(request.form.get("audience", ""))
        return _change(
            lambda: commands.set_audience(db.session, g.user, folder_id, entries),
            lambda _folder: gettext("Saved."),
            url_for("LibraryView.folder", folder_id=folder_id),
        )

    @expose("/folders/<int:folder_id>/files", methods=["POST"])
    @has_access
    @permission_name("publish")
    def publish(self, folder_id: int):
        upload = _upload()
        if upload is None:
            try:
                policy.folder(db.session, g.user, folder_id)
            except LibraryNotFoundError:
                abort(404)
            flash(gettext("file: choose a file to publish."), "danger")
            return redirect(url_for("LibraryView.folder", folder_id=folder_id))
        return _change(
            lambda: commands.publish(
                db.session,
                g.user,
                folder_id,
                upload,
                request.form.get("name", ""),
                request.form.get("description", ""),
            ),
            lambda _file: gettext("Published."),
            url_for("LibraryView.folder", folder_id=folder_id),
        )

    @expose("/files/<int:file_id>")
    @has_access
    @permission_name("show")
    def file(self, file_id: int):
        session = db.session
        seen = policy.reader(session, g.user)
        try:
            found = policy.file(session, g.user, file_id, seen)
        except LibraryNotFoundError:
            abort(404)
        trail = policy.may_see_trail(session, g.user, found.folder)
        return self.render_template(
            "library/file.html",
            file=found,
            versions=queries.versions(session, found),
            trail=queries.trail(session, found) if trail else None,
            may_publish=policy.may_publish(session, g.user, found.folder),
            withdrawn_as=WITHDRAWN_AS,
            events=EVENTS,
        )

    @expose("/files/<int:file_id>/versions", methods=["POST"])
    @has_access
    @permission_name("publish")
    def add_version(self, file_id: int):
        upload = _upload()
        back = url_for("LibraryView.file", file_id=file_id)
        if upload is None:
            try:
                policy.file(db.session, g.user, file_id)
            except LibraryNotFoundError:
                abort(404)
            flash(gettext("file: choose a file to publish."), "danger")
            return redirect(back)
        return _change(
            lambda: commands.add_version(
                db.session, g.user, file_id, upload, request.form.get("note", "")
            ),
            lambda version: gettext("Version %(number)s published.", number=version.number),
            back,
        )

    @expose("/files/<int:file_id>/withdraw", methods=["POST"])
    @has_access
    @permission_name("publish")
    def withdraw(self, file_id: int):
        return _change(
            lambda: commands.withdraw(
                db.session,
                g.user,
                file_id,
                request.form.get("as", ""),
                request.form.get("reason", ""),
            ),
            lambda _file: gettext("Withdrawn; readers no longer see the file."),
            url_for("LibraryView.file", file_id=file_id),
        )

    @expose("/files/<int:file_id>/download")
    @expose("/files/<int:file_id>/versions/<int:number>/download")
    @has_access
    @permission_name("show")
    def download(self, file_id: int, number: int | None = None):
        """The current version (or version ``number``), counted."""
        try:
            _file, version = commands.download(db.session, g.user, file_id, number)
        except LibraryNotFoundError:
            abort(404)
        return send(version)
