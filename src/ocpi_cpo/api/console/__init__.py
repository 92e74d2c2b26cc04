"""The operator console at ``/console/``: server-rendered pages (Jinja2), a few lines of our own
JavaScript for the live parts (server-sent events), everything served from the package.

Every page reads through the same services as the admin API (``api.admin``); no rule is copied.
"""
