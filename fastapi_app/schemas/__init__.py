"""Pydantic v2 schemas of the v2 API, kept apart from the ORM models.

They document requests and responses in OpenAPI (`response_model=`, `responses=`); the
shared services still build the bodies (from `shared_models.serializers`), so a schema
describes a body, it never reshapes one. One module per area; split by direction
(`...Create` / `...Update` / `...Read`) as the area needs.
"""
