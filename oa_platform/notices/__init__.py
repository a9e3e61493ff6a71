"""Notices and briefings (公告/通知/简报, regulations §5.1, §8.3): anyone drafts one in the name
of their unit; its release is an ordinary published definition (examples/definitions/
notice_release.json: the unit head approves, a major principle issue also goes to the company
leader) whose ``notice_release`` node freezes it into a :class:`models.Notice`. The dashboard
shows each person the live notices of their audience; the publisher's head may withdraw one.
"""
