"""Keeping processes right when the organisation changes (regulations §2.1.2, §8.4; seed 2
§5.1-§5.2; issue 23): change requests with their deadlines (a shipped definition,
examples/definitions/org_change_request.json, applied by IT from the request's own data),
impact analysis, bulk reassignment of open tasks, and the marks on definitions whose nodes
would resolve to nobody.
"""
