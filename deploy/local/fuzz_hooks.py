"""Schemathesis hooks of `deploy/local/fuzz.sh`: what the OpenAPI documents state beside their schemas.

Two things a JSON Schema cannot say, and the documents say in words:

1. Decimal inputs may be JSON numbers, but only in plain notation (contract section 1): `1e-08` is
   refused. The generator draws numbers from the schema's bounds and `multipleOf`; they are sent
   written the way the document asks (plain, at most 8 fractional digits), as a client would.

2. Some 422 answers come from rules across fields or against stored state (a LONG stop below its
   entry, a date at most 60 s ahead, a cursor this service issued...), listed in the 422 response
   of each operation. A schema-valid request refused with 422 passes only when every field it
   names is refused for one of those rules (`RULES` below, by operation); any other 400 or 422 for
   schema-valid data fails the run, as schemathesis' positive_data_acceptance does.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance as builtin_positive_data_acceptance
from schemathesis.transport.requests import REQUESTS_TRANSPORT
from schemathesis.transport.requests import json_serializer as builtin_json_serializer

EIGHT_DIGITS = Decimal("0.00000001")
LIMIT = Decimal("10000000000")


class _NotJson(Exception):
    pass


def _number(value: float) -> str:
    # The float's shortest text in plain notation with at most 8 fractional digits (the schema's
    # multipleOf); a float no decimal input could take (extra fields) keeps Python's own text.
    if not math.isfinite(value) or abs(value) >= LIMIT:
        return json.dumps(value)
    text = format(Decimal(repr(value)).quantize(EIGHT_DIGITS).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _encode(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return json.dumps(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return "{" + ",".join(f"{json.dumps(k)}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    raise _NotJson


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


@REQUESTS_TRANSPORT.serializer("application/json", "text/json")
def plain_notation_json(ctx: Any, value: Any) -> dict[str, Any]:
    """JSON bodies as schemathesis writes them, but numbers in plain notation; anything else as it is."""
    if _has_float(value):
        try:
            return {"data": _encode(value).encode("utf-8")}
        except _NotJson:
            pass
    return builtin_json_serializer(ctx, value)


# The rules each operation states beside its schema: (field path, message) patterns of the 422 `details`.
AMOUNT_TOO_LARGE = r"position is too large: .*|risk exceeds 9999999999\.99999999|realized P&L exceeds 9999999999\.99999999"
FEES_TOO_LARGE = r"the position's fees would exceed 9999999999\.99999999"
EXIT_DATE = r"may not precede entry_date|may not precede the position's last exit"
FUTURE = r"may not be more than 60 s in the future"
# A timestamp whose text shows year 0001 (or 9999) can fall outside 0001-9999 once in UTC, which a
# pattern cannot say (contract section 1: the year of the instant in UTC).
UTC_YEARS = r"must be an RFC 3339 timestamp with an explicit offset in the years 0001–9999, .*"
RULES: dict[str, list[tuple[str, str]]] = {
    "GET /api/v1/campaigns": [("cursor", r"is not a cursor this service issued")],
    "POST /api/v1/ticks": [(r"(\[\d+\]\.)?ts", r"must not be more than 60 s in the future|" + UTC_YEARS)],
    "GET /api/v1/campaigns/{id}/journal": [("cursor", r"is not a cursor this service issued")],
    "GET /api/v1/admin/accounts": [("cursor", r"is not a cursor this service issued")],
    "POST /api/v1/admin/accounts/{id}/keys": [("scopes", r"must not repeat a scope")],
    "POST /api/v1/campaigns/{id}/positions": [
        ("stop_loss", r"must be (below|above) entry_price in a (LONG|SHORT) campaign"),
        ("pattern_type", r"must be .* in a (LONG|SHORT) campaign"),
        ("symbol", r"must equal the campaign's symbol .*"),
        ("entry_date", FUTURE + "|" + UTC_YEARS),
        ("shares|stop_loss|entry_price", AMOUNT_TOO_LARGE),
    ],
    "PATCH /api/v1/positions/{id}": [("stop_loss", AMOUNT_TOO_LARGE)],
    "POST /api/v1/positions/{id}/close": [
        ("closed_date", EXIT_DATE + "|" + FUTURE + "|" + UTC_YEARS),
        ("exit_price", AMOUNT_TOO_LARGE),
        ("fee", FEES_TOO_LARGE),
    ],
    "POST /api/v1/positions/{id}/exits": [
        ("shares", r"may not exceed open_shares \d+\.\d{8}"),
        ("date", EXIT_DATE + "|" + FUTURE + "|" + UTC_YEARS),
        ("price", AMOUNT_TOO_LARGE),
        ("fee", FEES_TOO_LARGE),
    ],
}

EQUITY_SPAN = [
    ("from", r"asks for \d+ points of (1m|1h|1d); at most 1000 from from to to \(or now\)"),
]
RULES["GET /api/v1/campaigns/{id}/equity"] = EQUITY_SPAN
RULES["GET /api/v1/equity"] = EQUITY_SPAN

# The operations that may raise an account's exposure, refused with 422 `risk_limit_exceeded`
# past a limit the fuzzer itself may have set (PATCH /api/v1/account/settings).
RISK_LIMITED = {"POST /api/v1/campaigns/{id}/positions", "PATCH /api/v1/positions/{id}"}


def _refused_for_stated_rules(case: Any, response: Any) -> bool:
    operation = f"{case.method.upper()} {case.path}"
    rules = RULES.get(operation)
    if response.status_code != 422:
        return False
    try:
        error = json.loads(response.content)["error"]
        details = error["details"]
    except (ValueError, KeyError, TypeError):
        return False
    if operation in RISK_LIMITED and error.get("code") == "risk_limit_exceeded":
        return isinstance(details, list) and all(d.get("limit") in ("campaign_risk", "portfolio_heat") for d in details)
    if not rules:
        return False
    if not isinstance(details, list) or not details:
        return False
    return all(
        any(re.fullmatch(path, str(d.get("path"))) and re.fullmatch(message, str(d.get("message"))) for path, message in rules)
        for d in details
    )


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, except for a 422 whose every field breaks a rule the operation states."""
    try:
        return builtin_positive_data_acceptance(ctx, response, case)
    except Failure:
        if _refused_for_stated_rules(case, response):
            return None
        raise
