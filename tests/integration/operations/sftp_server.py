"""An SFTP server on loopback (paramiko's server side) over a folder, for the off-site copy
test: it accepts any key, as a backup host accepts the platform's (the point is the copy)."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
from paramiko import ServerInterface, SFTPAttributes, SFTPHandle, SFTPServer, SFTPServerInterface


class _Server(ServerInterface):
    """Public-key log-ins only, as a backup host should take them."""

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL

    def get_allowed_auths(self, username):
        return "publickey"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED


class _Handle(SFTPHandle):
    """An open file of the folder."""

    def stat(self):
        return SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _Folder(SFTPServerInterface):
    """The SFTP operations fsspec uses, on the files under ``ROOT``."""

    ROOT = Path("/")

    def _real(self, path):
        return str(self.ROOT / path.lstrip("/"))

    def _error(self, error):
        return SFTPServer.convert_errno(error.errno)

    def list_folder(self, path):
        try:
            real = self._real(path)
            return [
                SFTPAttributes.from_stat(os.stat(os.path.join(real, n)), n)
                for n in os.listdir(real)
            ]
        except OSError as e:
            return self._error(e)

    def stat(self, path):
        try:
            return SFTPAttributes.from_stat(os.stat(self._real(path)))
        except OSError as e:
            return self._error(e)

    lstat = stat

    def open(self, path, flags, attr):
        real = self._real(path)
        try:
            fd = os.open(real, flags, 0o600)
        except OSError as e:
            return self._error(e)
        mode = (
            "rb"
            if flags & (os.O_WRONLY | os.O_RDWR) == 0
            else ("r+b" if flags & os.O_RDWR else "wb")
        )
        if flags & os.O_APPEND:
            mode = "ab"
        handle = _Handle(flags)
        f = os.fdopen(fd, mode)
        handle.readfile = handle.writefile = f
        handle.filename = real
        return handle

    def mkdir(self, path, attr):
        try:
            os.mkdir(self._real(path))
        except OSError as e:
            return self._error(e)
        return paramiko.SFTP_OK

    def remove(self, path):
        try:
            os.remove(self._real(path))
        except OSError as e:
            return self._error(e)
        return paramiko.SFTP_OK

    def rename(self, old, new):
        try:
            os.replace(self._real(old), self._real(new))
        except OSError as e:
            return self._error(e)
        return paramiko.SFTP_OK

    def chattr(self, path, attr):
        return paramiko.SFTP_OK


@contextmanager
def sftp_server(root: Path) -> Iterator[int]:
    """Serve ``root`` over SFTP on 127.0.0.1; yields the port."""
    _Folder.ROOT = root
    key = paramiko.RSAKey.generate(2048)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    transports: list[paramiko.Transport] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            transport = paramiko.Transport(connection)
            transport.add_server_key(key)
            transport.set_subsystem_handler("sftp", SFTPServer, _Folder)
            transport.start_server(server=_Server())
            transports.append(transport)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        for transport in transports:
            transport.close()
        thread.join(5)
