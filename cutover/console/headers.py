"""Security headers on every answer of the console (pages, fragments, static files, errors).

The CSP allows scripts, styles and fetches from this origin only and no inline script
or style at all (the templates carry none), so an injected `<script>` cannot run even if
escaping ever failed; frames are denied twice (CSP and X-Frame-Options) against
clickjacking of the action buttons; pages are never cached (they show live state).
"""

from __future__ import annotations

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)

