"""The library's REST API for a mobile client (Flask-AppBuilder ``BaseApi``, JWT log-in, in
the OpenAPI spec): the folders I read, a folder's files, the search, one file with its
versions, and the downloads. The same policy and commands as the pages: a folder or file
the caller may not open is 404 whether or not it exists."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from oa_platform.extensions import db
from oa_platform.library import commands, policy, queries
from oa_platform.library.models import LibraryFile, LibraryFolder, LibraryVersion
from oa_platform.library.policy import LibraryNotFoundError
from oa_platform.library.views import QUERY_LENGTH, send
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _folder(folder: LibraryFolder, count: int | None = None) -> dict[str, Any]:
    found = {
        "id": folder.id,
        "name": folder.name,
        "company": folder.company.code,
        "department": folder.department.code if folder.department else None,
    }
    if count is not None:
        found["files"] = count
    return found


def _file(file: LibraryFile) -> dict[str, Any]:
    found = {
        "id": file.id,
        "folder": file.folder_id,
        "name": file.name,
        "description": file.description,
        "status": file.status,
        "version": file.current_version,
        "downloads": file.downloads,
        "published_at": _time(file.published_at),
        "updated_at": _time(file.updated_at),
    }
    if file.status != "current":
        found["withdrawn"] = {
            "as": file.withdrawn_as,
            "reason": file.withdrawn_reason,
            "at": _time(file.withdrawn_at),
        }
    return found


def _version(version: LibraryVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "file_name": version.file_name,
        "type": version.file_type,
        "size": version.size,
        "note": version.note,
        "downloads": version.downloads,
        "uploaded_at": _time(version.uploaded_at),
    }


class LibraryApi(UnavailableApi, BaseApi):
    """The shared file library (资料库, seed 2 §7.1) for the signed-in user: read only."""

    resource_name = "library"
    openapi_spec_tag = "Library"
    allow_browser_login = True
    check_csrf = ProcessApi.check_csrf

    @expose("/folders", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def folders(self):
        """The folders I may read, with their current files.
        ---
        get:
          summary: List library folders
          responses:
            200:
              description: Folders (company and department codes, file counts)
            401:
              $ref: '#/components/responses/401'
        """
        seen = policy.reader(db.session, g.user)
        rows = queries.folders(db.session, seen)
        return self.response(200, result=[_folder(folder, count) for folder, count in rows])

    @expose("/folders/<int:folder_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def folder(self, folder_id: int):
        """One folder and its files, newest first.
        ---
        get:
          summary: List a folder's files
          parameters:
          - {in: path, name: folder_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The folder and its files
            404:
              description: No such folder, or not for the caller
        """
        seen = policy.reader(db.session, g.user)
        try:
            found = policy.folder(db.session, g.user, folder_id, seen)
        except LibraryNotFoundError:
            return self.response_404()
        files = queries.files(db.session, seen, found)
        return self.response(
            200, result={**_folder(found), "files": [_file(file) for file in files]}
        )

    @expose("/files", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def search(self):
        """Files holding every word of ``q`` in their name, description or text.
        ---
        get:
          summary: Search library files
          parameters:
          - {in: query, name: q, required: true, schema: {type: string, maxLength: 100}}
          responses:
            200:
              description: Matching current files, newest first (at most 50)
            400:
              description: No search words
        """
        text = request.args.get("q", "").strip()[:QUERY_LENGTH]
        if not text:
            return self.response_400(message=gettext("q: give the words to search for."))
        seen = policy.reader(db.session, g.user)
        return self.response(
            200, result=[_file(file) for file in queries.find(db.session, seen, text)]
        )

    @expose("/files/<int:file_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def file(self, file_id: int):
        """One file and its versions.
        ---
        get:
          summary: Get a library file
          parameters:
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The file with its versions, newest first
            404:
              description: No such file, or not for the caller
        """
        try:
            found = policy.file(db.session, g.user, file_id)
        except LibraryNotFoundError:
            return self.response_404()
        versions = queries.versions(db.session, found)
        return self.response(
            200, result={**_file(found), "versions": [_version(v) for v in versions]}
        )

    @expose("/files/<int:file_id>/download", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def download(self, file_id: int):
        """The current version's bytes, counted.
        ---
        get:
          summary: Download a library file
          parameters:
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The file, as an attachment under its original name
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404:
              description: No such file or version, or not for the caller
        """
        return self._send(file_id, None)

    @expose("/files/<int:file_id>/versions/<int:number>/download", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def download_version(self, file_id: int, number: int):
        """An earlier (or the current) version's bytes, counted.
        ---
        get:
          summary: Download one version of a library file
          parameters:
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          - {in: path, name: number, required: true, schema: {type: integer}}
          responses:
            200:
              description: The version, as an attachment under its original name
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            404:
              description: No such file or version, or not for the caller
        """
        return self._send(file_id, number)

    def _send(self, file_id: int, number: int | None):
        try:
            _found, version = commands.download(db.session, g.user, file_id, number)
        except LibraryNotFoundError:
            return self.response_404()
        return send(version)
