"""Use cases shared by both HTTP stacks.

Each function is keyword-only, takes a sync `Session` (v2 calls it through
`AsyncSession.run_sync`), flushes but never commits (the HTTP layer owns the commit),
returns the success body as a dict and raises `ApiError` for every documented error, in
the order API_CONTRACT.md gives.
"""
