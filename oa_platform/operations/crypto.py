"""Encryption of backup archives with a passphrase from the environment (§7.3: the backup
store is protected, so a copied archive is unreadable without the key).

The archive is streamed through AES-256-GCM (``cryptography``) in chunks of 1 MiB, so a
backup of any size never sits whole in memory. Layout::

    MAGIC | salt (16) | nonce prefix (8) | key check (16) | records...
    record: length (4, big-endian) | ciphertext of one chunk with its 16-byte tag

The key comes from the passphrase through scrypt with the salt; a check value derived from
it tells a wrong key apart from damaged bytes. Each chunk's nonce is the prefix and its
number, and its associated data says whether it is the last: chunks cannot be reordered,
dropped or the stream cut short without the tag failing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from oa_platform.operations.exceptions import ArchiveDamagedError, WrongKeyError

MAGIC = b"OABACKUP-AESGCM1"
CHUNK = 1024 * 1024
_HEADER = len(MAGIC) + 16 + 8 + 16
_LAST, _MORE = b"\x01", b"\x00"


def is_encrypted(path: os.PathLike | str) -> bool:
    """Whether the file at ``path`` starts as an encrypted archive does."""
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _keys(passphrase: str, salt: bytes) -> tuple[bytes, bytes]:
    material = Scrypt(salt=salt, length=64, n=2**15, r=8, p=1).derive(passphrase.encode())
    return material[:32], material[32:]


def _check_value(check_key: bytes) -> bytes:
    return hmac.new(check_key, b"oa-backup key check", hashlib.sha256).digest()[:16]


class EncryptingWriter:
    """A write-only file object that encrypts what is written into ``target``."""

    def __init__(self, target: BinaryIO, passphrase: str) -> None:
        salt, self._prefix = os.urandom(16), os.urandom(8)
        key, check_key = _keys(passphrase, salt)
        self._aead = AESGCM(key)
        self._header = MAGIC + salt + self._prefix + _check_value(check_key)
        self._target = target
        self._target.write(self._header)
        self._buffer = bytearray()
        self._counter = 0

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep the last chunk back: it must be marked last
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I", self._counter)
        sealed = self._aead.encrypt(nonce, chunk, self._header + (_LAST if last else _MORE))
        self._target.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        """Write the last chunk (possibly empty); the target stays open."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


class DecryptingReader:
    """A read-only file object over an encrypted archive: raises :class:`WrongKeyError` at
    once when the key does not match, :class:`ArchiveDamagedError` where the bytes fail."""

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        header = source.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise ArchiveDamagedError("The archive is not an encrypted backup (bad header).")
        salt = header[len(MAGIC) : len(MAGIC) + 16]
        self._prefix = header[len(MAGIC) + 16 : len(MAGIC) + 24]
        key, check_key = _keys(passphrase, salt)
        if not hmac.compare_digest(_check_value(check_key), header[len(MAGIC) + 24 :]):
            raise WrongKeyError(
                "The backup key does not match this archive: set OA_BACKUP_KEY to the key it"
                " was made with."
            )
        self._aead = AESGCM(key)
        self._header = header
        self._source = source
        self._counter = 0
        self._buffer = bytearray()
        self._done = False

    def _next_chunk(self) -> None:
        length_bytes = self._source.read(4)
        if len(length_bytes) < 4:
            raise ArchiveDamagedError("The encrypted archive is cut short.")
        (length,) = struct.unpack(">I", length_bytes)
        sealed = self._source.read(length)
        if len(sealed) < length or length > CHUNK + 16:
            raise ArchiveDamagedError("The encrypted archive is cut short.")
        nonce = self._prefix + struct.pack(">I", self._counter)
        self._counter += 1
        for marker in (_MORE, _LAST):
            try:
                self._buffer += self._aead.decrypt(nonce, sealed, self._header + marker)
            except InvalidTag:
                continue
            self._done = marker == _LAST
            return
        raise ArchiveDamagedError(
            f"The encrypted archive is damaged (chunk {self._counter} fails its check)."
        )

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._next_chunk()
        if self._done and self._source.read(1):
            raise ArchiveDamagedError("The encrypted archive has bytes after its end.")
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
