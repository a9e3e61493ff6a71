"""Form attachments: what may be uploaded, and where the bytes live.

An upload is judged by its bytes, never by the browser's content type or the file's name:
the content is sniffed (magic numbers, the inner structure of Office and OpenDocument zips,
UTF-8 for text) and must be an accepted type that agrees with the name's extension. The
bytes are kept outside the database, content-addressed under the instance folder
(``instance/attachments/ab/abcdef…``); the database holds a :class:`FormAttachment` row of
metadata. The original file name is kept for display only and never touches the disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import puremagic
from flask import Flask
from flask_appbuilder import Model
from flask_babel import LazyString
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from form_builder import clock
from form_builder.words import gettext as _
from form_builder.words import lazy_gettext, ngettext

DEFAULT_ACCEPT = ("pdf", "png", "jpg", "docx", "xlsx")
DEFAULT_MAX_MB = 20  # the global cap, setting OA_ATTACHMENT_MAX_MB
MAX_FILES = 20  # the schema's ceiling for max_files
NAME_LENGTH = 200
MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """An accepted kind of file: its key (as in a definition's ``accept``), what to call it
    in a sentence (with its article: "a PDF file", translated), the Content-Type it is served
    with, and the extensions its name may end in."""

    key: str
    label: str | LazyString
    content_type: str
    extensions: tuple[str, ...]


KINDS: Mapping[str, FileKind] = {
    kind.key: kind
    for kind in (
        FileKind("pdf", lazy_gettext("a PDF file"), "application/pdf", ("pdf",)),
        FileKind("png", lazy_gettext("a PNG image"), "image/png", ("png",)),
        FileKind("jpg", lazy_gettext("a JPEG image"), "image/jpeg", ("jpg", "jpeg")),
        FileKind("gif", lazy_gettext("a GIF image"), "image/gif", ("gif",)),
        FileKind("webp", lazy_gettext("a WebP image"), "image/webp", ("webp",)),
        FileKind(
            "docx",
            lazy_gettext("a Word document"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileKind(
            "xlsx",
            lazy_gettext("an Excel workbook"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
        ),
        FileKind(
            "pptx",
            lazy_gettext("a PowerPoint presentation"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        FileKind(
            "odt",
            lazy_gettext("an OpenDocument text"),
            "application/vnd.oasis.opendocument.text",
            ("odt",),
        ),
        FileKind(
            "ods",
            lazy_gettext("an OpenDocument spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
            ("ods",),
        ),
        FileKind("txt", lazy_gettext("a text file"), "text/plain; charset=utf-8", ("txt",)),
        FileKind("csv", lazy_gettext("a CSV file"), "text/csv; charset=utf-8", ("csv",)),
        FileKind("zip", lazy_gettext("a ZIP archive"), "application/zip", ("zip",)),
    )
}
_BY_EXTENSION = {extension: kind.key for kind in KINDS.values() for extension in kind.extensions}

# Office Open XML: the content type of the package's main part, in [Content_Types].xml.
_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
}
# OpenDocument: the package's "mimetype" entry.
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_CONTENT_TYPES_LIMIT = 1 * MB  # larger than any real [Content_Types].xml; refuses zip bombs


# --- Sniffing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    """What some bytes are: an accepted kind's key (or None) and words for a message."""

    kind: str | None
    description: str | LazyString


def _sniffed(kind: str) -> Sniffed:
    return Sniffed(kind, KINDS[kind].label)


def _signature_kind(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    return None


def _sniff_zip(content: bytes) -> Sniffed:
    """A zip is an Office document, an OpenDocument or a plain archive by what is inside."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = _read_member(archive, "mimetype").strip()
            kind = _ODF_MIMETYPES.get(mimetype)
            if kind:
                return _sniffed(kind)
            return Sniffed(None, lazy_gettext("an OpenDocument of another kind"))
        if "[Content_Types].xml" in names:
            content_types = _read_member(archive, "[Content_Types].xml")
            for main, kind in _OOXML_MAIN.items():
                if main in content_types:
                    return _sniffed(kind)
            if b"macroEnabled" in content_types:
                return Sniffed(None, lazy_gettext("an Office document with macros"))
            return Sniffed(None, lazy_gettext("an Office document of another kind"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return Sniffed(None, lazy_gettext("a damaged ZIP archive"))
    return _sniffed("zip")


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _CONTENT_TYPES_LIMIT:
        raise ValueError(f"{name} is implausibly large")
    with archive.open(info) as member:
        return member.read(_CONTENT_TYPES_LIMIT)


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _describe(content: bytes) -> str | None:
    """puremagic's name for content that is none of the accepted kinds ("HTML")."""
    try:
        matches = puremagic.magic_string(content)
    except (puremagic.PureError, ValueError):
        return None
    if not matches:
        return None
    name = re.sub(r"\s+(file|document)$", "", matches[0].name.strip(), flags=re.IGNORECASE)
    return name or None


def sniff(content: bytes) -> Sniffed:
    """What ``content`` is, judged by its bytes only."""
    if content.startswith(b"PK\x03\x04"):
        return _sniff_zip(content)
    kind = _signature_kind(content)
    if kind:
        return _sniffed(kind)
    described = _describe(content)
    if _is_text(content):
        # Text that is markup (HTML, SVG, XML) stays text: it is served as text/plain.
        return Sniffed("txt", described or lazy_gettext("text"))
    return Sniffed(None, described or lazy_gettext("unrecognised binary data"))


# --- Policy ----------------------------------------------------------------------------------


class AttachmentRefused(ValueError):
    """An upload breaks the field's policy; the message names the field and the file."""


def display_name(name: str | None) -> str:
    """A file name fit for display: no directories, no control characters, NFC, bounded."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > NAME_LENGTH:
        _stem, dot, extension = base.rpartition(".")
        keep = extension[:16] if dot else ""
        base = base[: NAME_LENGTH - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return base or "file"


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def extensions(accept: Sequence[str]) -> list[str]:
    """The file name extensions (".pdf") of the accepted kinds, as a file input's ``accept``
    lists them."""
    return [f".{extension}" for key in accept for extension in KINDS[key].extensions]


@dataclass(frozen=True)
class Upload:
    """An accepted upload: display name, detected kind and the bytes."""

    name: str
    kind: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class AttachmentPolicy:
    """The upload rules of one attachments field."""

    label: str
    accept: tuple[str, ...]
    max_files: int
    max_mb: float

    @property
    def max_bytes(self) -> int:
        """The largest file allowed, in bytes."""
        return int(self.max_mb * MB)

    @classmethod
    def for_field(cls, spec: Mapping[str, Any], global_max_mb: float) -> AttachmentPolicy:
        """The field's rules, its ``max_size_mb`` capped by the global limit."""
        max_mb = min(spec.get("max_size_mb", global_max_mb), global_max_mb)
        return cls(
            label=spec["label"],
            accept=tuple(spec.get("accept", DEFAULT_ACCEPT)),
            max_files=spec.get("max_files", MAX_FILES),
            max_mb=max_mb,
        )

    def accepted(self) -> str:
        """The accepted extensions, for messages and the file input's ``accept``."""
        return ", ".join(
            f".{extension}" for key in self.accept for extension in KINDS[key].extensions
        )

    def check_count(self, count: int) -> str | None:
        """A message when ``count`` files are too many, else None."""
        if count > self.max_files:
            return ngettext(
                "%(field)s: at most %(num)d file may be attached.",
                "%(field)s: at most %(num)d files may be attached.",
                self.max_files,
                field=self.label,
            )
        return None

    def check(self, filename: str | None, content: bytes) -> Upload:
        """The upload if ``content`` may be attached under ``filename``; raises
        :class:`AttachmentRefused` otherwise."""
        name = display_name(filename)
        where = {"field": self.label, "file": repr(name)}
        if not content:
            raise AttachmentRefused(_("%(field)s: %(file)s is empty.", **where))
        if len(content) > self.max_bytes:
            raise AttachmentRefused(
                _(
                    "%(field)s: %(file)s is larger than %(mb)s MB.",
                    mb=format(self.max_mb, "g"),
                    **where,
                )
            )
        found = sniff(content)
        claimed = _BY_EXTENSION.get(_extension(name))
        if found.kind == "txt" and claimed == "csv":
            found = _sniffed("csv")
        if claimed is not None and found.kind != claimed:
            raise AttachmentRefused(
                _(
                    "%(field)s: %(file)s is not %(kind)s (its content is %(found)s).",
                    kind=KINDS[claimed].label,
                    found=found.description,
                    **where,
                )
            )
        if found.kind not in self.accept:
            raise AttachmentRefused(
                _(
                    "%(field)s: %(file)s is not an accepted type of file (its content is"
                    " %(found)s; accepted: %(accepted)s).",
                    found=found.description,
                    accepted=self.accepted(),
                    **where,
                )
            )
        if claimed is None:
            # No extension, or an unknown one: name the file for what it is.
            name = f"{name}.{KINDS[found.kind].extensions[0]}"
        return Upload(name, found.kind, content)


# --- Storage ---------------------------------------------------------------------------------


class FormAttachment(Model):
    """An uploaded file's metadata; the bytes are in the :class:`AttachmentStore`."""

    __tablename__ = "form_attachment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)  # display only
    file_type: Mapped[str] = mapped_column(String(16), nullable=False)  # a KINDS key
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    def to_value(self) -> dict[str, Any]:
        """The attachment as an attachments field stores it."""
        return {"id": self.id, "name": self.file_name, "size": self.size, "type": self.file_type}

    @property
    def content_type(self) -> str:
        """The Content-Type the file is served with (from the sniffed kind, never the name)."""
        kind = KINDS.get(self.file_type)
        return kind.content_type if kind else "application/octet-stream"

    def __repr__(self) -> str:
        return self.file_name


_SHA256 = re.compile(r"[0-9a-f]{64}")
# Names of files being written (renamed to their digest once complete).
TEMPORARY_PREFIX = ".upload-"


def is_digest(name: str) -> bool:
    """Whether ``name`` is a SHA-256 hex digest: the name of a stored file."""
    return _SHA256.fullmatch(name) is not None


class AttachmentStore:
    """Content-addressed files under ``root``: ``root/ab/abcdef…`` by SHA-256.

    Identical uploads share one file. Writing is atomic (a temporary file renamed into
    place), so a reader never sees half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_app(cls, app: Flask) -> AttachmentStore:
        """The store of ``app``: setting ``OA_ATTACHMENT_DIR``, else ``instance/attachments``."""
        configured = app.config.get("OA_ATTACHMENT_DIR")
        return cls(Path(configured) if configured else Path(app.instance_path) / "attachments")

    def path_for(self, sha256: str) -> Path:
        """Where the file with this digest lives."""
        if not is_digest(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def save(self, upload: Upload, *, uploaded_by_id: int) -> FormAttachment:
        """Write the bytes (once per content) and return a new, not yet added, row for them.

        The caller adds the row to its session in the transaction that stores the values
        referring to it; a file whose row never commits is an orphan, harmless to readers
        and removed by the sweep (``attachment_sweep.py``) a grace period later.
        """
        digest = hashlib.sha256(upload.content).hexdigest()
        path = self.path_for(digest)
        try:
            # Reused: touched, so that the orphan sweep (attachment_sweep.py) leaves it to
            # the submission about to refer to it.
            os.utime(path)
        except FileNotFoundError:
            # Folders 0700 and files 0600 (mkstemp's mode, kept by the rename): only the
            # platform's own system user reads what people attached (issue 17, defect 14).
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.parent.mkdir(exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(upload.content)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return FormAttachment(
            id=uuid.uuid4().hex,
            sha256=digest,
            file_name=upload.name,
            file_type=upload.kind,
            size=upload.size,
            uploaded_by_id=uploaded_by_id,
            created_at=clock.utcnow(),
        )

    def open(self, attachment: FormAttachment) -> BinaryIO:
        """The attachment's bytes, opened for reading."""
        return self.path_for(attachment.sha256).open("rb")
