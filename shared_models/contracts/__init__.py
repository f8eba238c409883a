"""Typed request contracts: one Pydantic model per JSON body and per list query.

Both stacks validate a request into the same model before calling the service, and the
service takes the model. The fields carry the legacy reading rules (D1: a number where a
string belongs is refused, 0 and 1 are booleans, a bad page number means the default), so
the model is at once what is enforced and what the OpenAPI shows. Any failure becomes
the legacy 400 body through one translator (`contract_error`), in the contract's check
order: missing keys first, then the first bad field in the model's field order.
"""

from shared_models.contracts.base import (
    Contract,
    QueryContract,
    contract_error,
    parse_body,
    parse_query,
    refuse,
)

__all__ = ["Contract", "QueryContract", "contract_error", "parse_body", "parse_query", "refuse"]
