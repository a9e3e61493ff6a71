"""Signals other parts of the platform subscribe to.

``user_deactivated`` is sent inside the deactivation transaction, before commit, with
``user``, ``successor`` (may be None) and ``session``: a receiver's changes (such as moving
the user's open tasks to the successor) commit or roll back together with the deactivation.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

user_deactivated = _signals.signal("user-deactivated")
