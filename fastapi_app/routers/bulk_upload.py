"""v2 twin of POST /jobs/bulk-upload (API_CONTRACT.md §3.5.6, D8): multipart in, shared service.

The form is parsed here, from the raw request, so FastAPI never validates it (no 422)
and every refusal keeps the legacy body. What the Flask stack does, reproduced:

* the body limit is Flask's MAX_CONTENT_LENGTH, max(MAX_UPLOAD_BYTES,
  MAX_JSON_BODY_BYTES): a declared or streamed body over it → 413 `payload_too_large`;
* a non-file field over 500,000 bytes or more than 1,000 parts → the same 413 (Flask's
  MAX_FORM_MEMORY_SIZE / MAX_FORM_PARTS answer RequestEntityTooLarge);
* a body that is not a form (JSON, text) or a multipart body that cannot be parsed
  (no boundary, broken framing, a part without a name) is read by Werkzeug as an empty
  form, so the service answers 400 "Missing file";
* `file` is the first *file* part of that name (a plain text field named `file` is no
  file); the other fields are the first text value of each name, as `request.form.get`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from fastapi_app.deps import EditorUser, SessionDep, SettingsDep, call
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.jobs import BulkUploadForm, BulkUploadResult
from shared_models.errors import payload_too_large
from shared_models.services.bulk_upload import bulk_upload
from shared_models.settings import Settings

router = APIRouter(prefix="/jobs", tags=["jobs"])

MAX_FORM_MEMORY_SIZE = 500_000  # Flask 3.1's MAX_FORM_MEMORY_SIZE default
MAX_FORM_PARTS = 1_000  # Flask 3.1's MAX_FORM_PARTS default


@dataclass(frozen=True)
class Upload:
    """What the legacy view hands the service: `content` None when there is no file part."""

    filename: str | None
    content: bytes | None
    form: Mapping[str, str]


def body_limit(settings: Settings) -> int:
    """The legacy app's MAX_CONTENT_LENGTH (uploads and JSON share it there)."""
    return max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES)


def _limited(request: Request, limit: int) -> Request:
    """The same request, refusing its body (413) once more than `limit` bytes arrived."""
    received = 0
    receive = request.receive

    async def limited_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise payload_too_large(limit)
        return message

    return Request(request.scope, limited_receive)


def _utf8_headers(upload: UploadFile) -> bool:
    try:
        for name, value in upload.headers.raw:
            name.decode("utf-8")
            value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


async def _parse_form(request: Request, limit: int) -> FormData:
    try:
        form = await _limited(request, limit).form(
            max_files=MAX_FORM_PARTS, max_fields=MAX_FORM_PARTS, max_part_size=MAX_FORM_MEMORY_SIZE
        )
    except HTTPException as exc:
        # Starlette turns python-multipart's MultiPartException into a 400 HTTPException.
        if "maximum" in str(exc.detail).lower():  # too many parts, a field too large
            raise payload_too_large(limit) from None
        return FormData()  # unparseable framing: Werkzeug reads an empty form
    items = form.multi_items()
    if len(items) > MAX_FORM_PARTS:  # Werkzeug counts files and fields together
        await form.close()
        raise payload_too_large(limit)
    if not all(_utf8_headers(value) for _key, value in items if isinstance(value, UploadFile)):
        # Werkzeug decodes part headers as strict UTF-8 and drops the whole form when one
        # fails (Starlette falls back to latin-1). Text parts' headers are not kept by
        # Starlette, so a non-UTF-8 field *name* is the one case not reproduced.
        await form.close()
        return FormData()
    return form


async def read_upload(request: Request, settings: Settings) -> Upload:
    """The `file` part and the text fields of a multipart (or urlencoded) body."""
    limit = body_limit(settings)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise payload_too_large(limit)
    form = await _parse_form(request, limit)
    try:
        upload = next((value for key, value in form.multi_items()
                       if key == "file" and isinstance(value, UploadFile)), None)
        fields: dict[str, str] = {}
        for key, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(key, value)  # MultiDict.get: the first value
        if upload is None:
            return Upload(filename=None, content=None, form=fields)
        return Upload(filename=upload.filename, content=await upload.read(), form=fields)
    finally:
        await form.close()


def _form_doc() -> dict[str, Any]:
    schema = BulkUploadForm.model_json_schema()
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


@router.post(
    "/bulk-upload",
    response_model=None,
    summary="Create (or upsert, D8) jobs from a CSV file; rows are judged one by one",
    responses={
        **ROLE_RESPONSES,
        400: {
            "model": ErrorBody,
            "description": "No `file` part (also for JSON requests or an unparseable form), no file name, "
            "an empty / binary / unreadable CSV, a header row with no names, or an unknown mode",
        },
        413: {"model": ErrorBody, "description": "Body over the upload limit, or a form field / part count over Flask's"},
        200: {"model": BulkUploadResult, "description": "Rows judged (even when all failed)"},
    },
    openapi_extra=_form_doc(),
)
async def upload_jobs(
    request: Request, session: SessionDep, settings: SettingsDep, user: EditorUser
) -> dict[str, Any]:
    # The form is read after the token and role checks, as the legacy view reads it.
    upload = await read_upload(request, settings)
    return await call(
        session, bulk_upload, settings=settings, actor=user,
        filename=upload.filename, content=upload.content, form=upload.form,
    )


