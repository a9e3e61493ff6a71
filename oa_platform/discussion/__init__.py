"""The discussion area (讨论区, regulations §8.2, §8.3) and the suggestions board (seed 2 §8.3).

Boards per company and department, a group board and a suggestions board. A post names what
it concerns: a department (its person in charge answers within 24 hours), or the group or a
branch company (the office's queue drafts a reply that the leader approves before it is
posted); suggestions go to the group office's queue the same way. Moderation (§8.3): reports,
hiding and restoring with a reason the author sees, forbidden terms that hold a post for
review; every step is in the discussion's trail and nothing is deleted.

``policy`` is the one owner of who may see and do what; ``commands`` change things (one unit
of work each); ``queries`` list; ``views`` and ``api`` only render.
"""
