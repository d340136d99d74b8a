"""SigV4 signing must match botocore's ``SigV4Auth`` byte for byte.

botocore reads the clock inside ``add_auth`` and offers no way to pass a time in, so the
reference signer runs with ``botocore.auth.get_current_datetime`` patched to return the test's
time: that is the only thing patched, a time fault injected into the reference, not into the
code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from unittest import mock

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynastack.core.signing import SIGNED_HEADERS_BLACKLIST, Credentials, sign
from dynastack.core.wire import HttpRequest

Headers = list[tuple[str, str]]

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AWS_TEST_TIME = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)


def botocore_sign(
    request: HttpRequest, credentials: Credentials, region: str, service: str, now: datetime
) -> Headers:
    """The headers botocore's SigV4Auth sends for the same request at the same time."""
    aws = AWSRequest(method=request.method, url=request.url, data=request.body)
    for name, value in request.headers:  # one by one: keeps repeated headers
        aws.headers[name] = value
    frozen = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    signer = botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(
            credentials.access_key, credentials.secret_key, credentials.token
        ),
        service,
        region,
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=frozen):
        signer.add_auth(aws)
    headers = list(aws.headers.items())
    if request.header("Host") is None:
        # botocore signs a Host it leaves for the HTTP client to send; we send it, first.
        headers.insert(0, ("Host", signer.headers_to_sign(aws)["host"]))
    return headers


def dynamodb_request(
    target: str = "GetItem",
    body: bytes = b"{}",
    url: str = "https://dynamodb.us-east-1.amazonaws.com/",
) -> HttpRequest:
    return HttpRequest(
        "POST",
        url,
        (
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", f"DynamoDB_20120810.{target}"),
        ),
        body,
    )


# --- strategies --------------------------------------------------------------------------

no_surrogates = st.characters(codec="utf-8")
header_names = st.one_of(
    st.sampled_from(
        [
            "Content-Type",
            "X-Amz-Target",
            "x-amz-target",
            "Host",
            "host",
            "User-Agent",
            "Connection",
            "X-Amzn-Trace-Id",
            "traceparent",
            "Expect",
            "Authorization",
            "X-Amz-Date",
            "Date",
            "X-Amz-Security-Token",
            "X-Amz-Content-SHA256",
            "Accept-Encoding",
            "X-Custom",
            "x-custom",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,16}", fullmatch=True),
)
header_values = st.one_of(
    st.text(no_surrogates, max_size=40),
    st.sampled_from(["  spaced   out  value ", "a\tb", "UNSIGNED-PAYLOAD", "", "x" * 64]),
)
hosts = st.sampled_from(
    [
        "dynamodb.us-east-1.amazonaws.com",
        "streams.dynamodb.eu-west-1.amazonaws.com",
        "127.0.0.1",
        "LocalHost",
        "[::1]",
        "alternator.example",
    ]
)
ports = st.one_of(st.none(), st.sampled_from([80, 443, 8000]), st.integers(1, 65535))
path_segments = st.one_of(
    st.sampled_from(["", ".", "..", "a", "b c", "%2F", "ü", "~x", "a+b", "=", "!"]),
    st.text(
        st.characters(codec="utf-8", min_codepoint=32, exclude_characters="#?/\x7f"), max_size=6
    ),
)
paths = st.one_of(
    st.just("/"),
    st.just(""),
    st.lists(path_segments, max_size=4).map(lambda segs: "/" + "/".join(segs)),
)
queries = st.one_of(
    st.just(""),
    st.lists(
        st.tuples(
            st.sampled_from(["a", "B", "x-y", "", "ü", "a%20b"]),
            st.sampled_from(["1", "", "z", "%2F", "v=w"]),
        ),
        max_size=3,
    ).map(lambda pairs: "?" + "&".join(f"{k}={v}" for k, v in pairs)),
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(ports)
    netloc = draw(hosts) + ("" if port is None else f":{port}")
    return f"{scheme}://{netloc}{draw(paths)}{draw(queries)}"


@st.composite
def requests(draw: st.DrawFn) -> HttpRequest:
    target = draw(
        st.one_of(
            st.sampled_from(["GetItem", "PutItem", "Query", "TransactWriteItems"]),
            st.text(no_surrogates, max_size=20),
        )
    )
    prefix = draw(st.sampled_from(["DynamoDB_20120810", "DynamoDBStreams_20120810"]))
    headers: Headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", f"{prefix}.{target}"),
    ]
    extra = draw(st.lists(st.tuples(header_names, header_values), max_size=5))
    # Extra headers go anywhere, so repeated names interleave with the base ones.
    for item in extra:
        headers.insert(draw(st.integers(0, len(headers))), item)
    body = draw(
        st.one_of(
            st.binary(max_size=200),
            st.text(no_surrogates, max_size=100).map(str.encode),
            st.just(b""),
        )
    )
    method = draw(st.sampled_from(["POST", "GET", "post", "PUT"]))
    return HttpRequest(method, draw(urls()), tuple(headers), body)


credentials = st.builds(
    Credentials,
    access_key=st.from_regex(r"[A-Z0-9]{4,20}", fullmatch=True),
    secret_key=st.text(no_surrogates, min_size=1, max_size=40),
    token=st.one_of(
        st.none(),
        st.just(""),
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=300),
    ),
)
regions = st.one_of(
    st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "local"]),
    st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True),
)
services = st.one_of(
    st.sampled_from(["dynamodb", "sts", "execute-api"]),
    st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
)
EARLIEST, LATEST = datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59, 59, 999999)
zones: list[tzinfo] = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
times = st.one_of(
    st.datetimes(EARLIEST, LATEST),  # naive: UTC, as botocore's own clock
    st.datetimes(EARLIEST, LATEST, timezones=st.sampled_from(zones)),
)


# --- equivalence with botocore -------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(requests(), credentials, regions, services, times)
def test_matches_botocore_on_generated_requests(
    request: HttpRequest, creds: Credentials, region: str, service: str, now: datetime
) -> None:
    signed = sign(request, creds, region=region, service=service, now=now)
    reference = botocore_sign(request, creds, region, service, now)
    assert list(signed.headers) == reference
    assert (signed.method, signed.url, signed.body) == (request.method, request.url, request.body)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["GetItem", "PutItem", "Query", "BatchWriteItem", "DescribeStream"]),
    st.text(no_surrogates, max_size=300).map(str.encode),
    credentials,
    regions,
    times,
)
def test_matches_botocore_on_dynamodb_shaped_requests(
    target: str, body: bytes, creds: Credentials, region: str, now: datetime
) -> None:
    for url in (f"https://dynamodb.{region}.amazonaws.com/", "http://127.0.0.1:8000/"):
        request = dynamodb_request(target, body, url)
        signed = sign(request, creds, region=region, service="dynamodb", now=now)
        reference = botocore_sign(request, creds, region, "dynamodb", now)
        assert list(signed.headers) == reference


def test_date_rollover_changes_the_scope_and_still_matches_botocore() -> None:
    creds = Credentials(AKID, SECRET, "session-token")
    request = dynamodb_request()
    before = datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    after = before + timedelta(microseconds=1)
    signatures = []
    for now in (before, after, before):  # back again: the cached key for the old date is reused
        signed = sign(request, creds, region="eu-west-1", service="dynamodb", now=now)
        reference = botocore_sign(request, creds, "eu-west-1", "dynamodb", now)
        assert list(signed.headers) == reference
        signatures.append(signed.header("Authorization"))
    assert "/20241231/eu-west-1/" in str(signatures[0])
    assert "/20250101/eu-west-1/" in str(signatures[1])
    assert signatures[0] == signatures[2] != signatures[1]


def test_key_rotation_within_one_day_signs_with_the_new_secret() -> None:
    request = dynamodb_request()
    old = Credentials(AKID, SECRET)
    new = Credentials("AKIDROTATED", "another-secret", "tok")
    for creds in (old, new, old):
        signed = sign(request, creds, region="us-east-1", service="dynamodb", now=AWS_TEST_TIME)
        reference = botocore_sign(request, creds, "us-east-1", "dynamodb", AWS_TEST_TIME)
        assert list(signed.headers) == reference


def test_the_blacklist_is_botocores() -> None:
    assert frozenset(botocore.auth.SIGNED_HEADERS_BLACKLIST) == SIGNED_HEADERS_BLACKLIST


# --- behaviour --------------------------------------------------------------------------------


def test_dynamodb_request_gets_exactly_host_date_and_authorization() -> None:
    signed = sign(
        dynamodb_request(),
        Credentials(AKID, SECRET),
        region="us-east-1",
        service="dynamodb",
        now=AWS_TEST_TIME,
    )
    assert [name for name, _ in signed.headers] == [
        "Host",
        "Content-Type",
        "X-Amz-Target",
        "X-Amz-Date",
        "Authorization",
    ]
    assert signed.header("X-Amz-Content-SHA256") is None  # DynamoDB signs the body, sends no hash
    assert "SignedHeaders=content-type;host;x-amz-date;x-amz-target," in str(
        signed.header("Authorization")
    )


def test_session_token_is_sent_and_signed() -> None:
    signed = sign(
        dynamodb_request(),
        Credentials(AKID, SECRET, "FwoG/token=="),
        region="us-east-1",
        service="dynamodb",
        now=AWS_TEST_TIME,
    )
    assert signed.header("X-Amz-Security-Token") == "FwoG/token=="
    assert ";x-amz-security-token;" in str(signed.header("Authorization"))


def test_resigning_a_signed_request_equals_signing_it_fresh() -> None:
    creds = Credentials(AKID, SECRET, "tok")
    request = dynamodb_request()
    first = sign(request, creds, region="us-east-1", service="dynamodb", now=AWS_TEST_TIME)
    later = AWS_TEST_TIME + timedelta(seconds=7)
    again = sign(first, creds, region="us-east-1", service="dynamodb", now=later)
    fresh = sign(request, creds, region="us-east-1", service="dynamodb", now=later)
    assert again == fresh
    assert again.header("Authorization") != first.header("Authorization")


def test_aware_and_naive_times_for_the_same_instant_sign_alike() -> None:
    creds = Credentials(AKID, SECRET)
    request = dynamodb_request()
    india = AWS_TEST_TIME.astimezone(timezone(timedelta(hours=5, minutes=30)))
    naive_utc = AWS_TEST_TIME.replace(tzinfo=None)
    results = {
        sign(request, creds, region="us-east-1", service="dynamodb", now=now)
        for now in (AWS_TEST_TIME, india, naive_utc)
    }
    assert len(results) == 1
    assert next(iter(results)).header("X-Amz-Date") == "20150830T123600Z"


def test_body_change_changes_the_signature() -> None:
    creds = Credentials(AKID, SECRET)
    a = sign(dynamodb_request(body=b'{"a":1}'), creds, region="r", service="s", now=AWS_TEST_TIME)
    b = sign(dynamodb_request(body=b'{"a":2}'), creds, region="r", service="s", now=AWS_TEST_TIME)
    assert a.header("Authorization") != b.header("Authorization")


def test_repr_masks_secret_and_token() -> None:
    creds = Credentials("AKIAVISIBLE", "very-secret-key", "very-secret-token")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "very-secret" not in text
        assert "AKIAVISIBLE" in text
    assert (
        repr(Credentials("A", "s")) == "Credentials(access_key='A', secret_key='***', token=None)"
    )


# --- known answers from the AWS SigV4 documentation and test suite ------------------------------


def test_aws_test_suite_get_vanilla() -> None:
    request = HttpRequest(
        "GET", "https://example.amazonaws.com/", (("Host", "example.amazonaws.com"),), b""
    )
    signed = sign(
        request, Credentials(AKID, SECRET), region="us-east-1", service="service", now=AWS_TEST_TIME
    )
    assert signed.header("Authorization") == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


def test_aws_documentation_iam_list_users_example() -> None:
    request = HttpRequest(
        "GET",
        "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
        (("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),),
        b"",
    )
    signed = sign(
        request, Credentials(AKID, SECRET), region="us-east-1", service="iam", now=AWS_TEST_TIME
    )
    assert signed.header("Authorization") == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )
