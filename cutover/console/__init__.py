"""The operator console: every route's state, evidence and controls in a browser (issue 14).

Served by the gateway under `/ops/` (admins only), server-rendered with Jinja2 and a small
script of our own (`static/console.js`), no build step and nothing loaded from outside:

    app.py        the Starlette app: routes, security headers, error pages
    auth.py       login through the existing login service, the session cookie, CSRF tokens
    pages.py      what each page shows, read through the same functions as the CLI
    actions.py    set a state, start/pause/resume/abort a rollout, everything back to legacy
    diff.py       a stored mismatch's two answers side by side

Every action is a POST carrying the CSRF token, runs in one write transaction and is
audited with actor `console:<username>` by the same services the CLI and the admin API use.
"""

from cutover.console.app import Console, create_console

__all__ = ["Console", "create_console"]
