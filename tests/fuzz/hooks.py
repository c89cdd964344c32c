"""Schemathesis hooks for the API's fuzzing (scripts/fuzz).

The API answers refused requests with coded top-level errors by design (UNAUTHENTICATED,
FORBIDDEN, BAD_USER_INPUT, ...), so Schemathesis's own "no GraphQL error" check does not
apply. What must never happen is checked here instead: a 5xx, an error without a code,
or an INTERNAL one. The API's custom scalars get strategies that produce both valid and
invalid values.
"""

import json

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

ALLOWED_CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "QUERY_TOO_COMPLEX",
    "RATE_LIMITED",
    "TIMEOUT",
}

# Whole đồng: digits, as the scalar takes them, with edge values and a few invalid ones.
schemathesis.graphql.scalar(
    "Vnd",
    st.one_of(
        st.integers(min_value=0, max_value=10**16).map(str),
        st.sampled_from(["", "-1", "1e9", "0x10", " 5", "99999999999999999999"]),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "Date",
    st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.sampled_from(["10000-01-01", "0000-01-01", "2026-02-30", "2026-1-01", "x"]),
    ).map(nodes.String),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.timezones()).map(lambda at: at.isoformat()),
        st.sampled_from(
            ["9999-12-31T23:00:00-05:00", "2026-11-26T08:30:00+24:00", "2026-13-01T00:00:00Z"]
        ),
    ).map(nodes.String),
)


@schemathesis.check
def no_server_failure(ctx, response, case):
    """No 5xx, and every GraphQL error coded, none INTERNAL."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:500]}")
    try:
        body = json.loads(response.text)
    except ValueError:
        raise AssertionError(f"not JSON: {response.text[:500]}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in ALLOWED_CODES:
            raise AssertionError(f"error with code {code!r}: {json.dumps(error)[:500]}")
