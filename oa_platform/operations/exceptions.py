"""What can go wrong in backing up and restoring; each error carries the message a person
reads (an operator at a terminal, or an administrator on the Backups page)."""

from __future__ import annotations


class OperationsError(Exception):
    """A backup, restore, off-site copy or archive run refused or failed; nothing half-done
    is left behind."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArchiveDamagedError(OperationsError):
    """The archive's bytes are not what was written: cut short, altered, or not a backup."""


class WrongKeyError(OperationsError):
    """The archive is encrypted with another key than ``OA_BACKUP_KEY`` (or none is set)."""


class DatabaseNotEmptyError(OperationsError):
    """A restore would overwrite a database that already holds tables."""


class DumpToolError(OperationsError):
    """``pg_dump``/``pg_restore`` is missing, too old for the server, or failed."""


class RestoreCheckError(OperationsError):
    """The restored database does not match the manifest, or its audit chains break."""


class OffsiteError(OperationsError):
    """An off-site target could not be written, or its copy does not match."""
