"""Cutover machinery of the gateway: one concern per module.

    registry   the route map: legacy Flask routes paired with their FastAPI twins
    compare    one comparison of two HTTP answers (parity harness and shadow mode)
    config     the gateway's cutover settings (env vars with defaults)
    flags      flag/switch/audit DB logic, importable without any HTTP stack
    snapshot   the in-memory flag snapshot and the refresher task
    dispatch   which stack answers one request (canary buckets, path rewrite)
    shadow     background replay of safe requests on FastAPI and the counters
    rollback   automatic flip back to legacy on a burst of FastAPI 5xx
    figures    per-route window figures (requests, 5xx, latency histogram) in the DB
    verdict    one rollout step's judgement: FastAPI arm against legacy arm (pure)
    rollout    progressive rollouts: operator actions, judge outcomes, read views
    __main__   the CLI: `python -m cutover routes|flags|shadow`
"""
