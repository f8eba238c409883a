"""Cutover machinery: the route registry, flags, and the legacy-vs-v2 response comparison."""
