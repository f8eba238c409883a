"""Parity harness: the same request on legacy Flask and on FastAPI v2, compared (see runner.py)."""
