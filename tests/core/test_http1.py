"""HTTP/1.1 framing: request bytes, the incremental response parser and its flat fast path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastack.core.http1 import (
    MAX_HEADER_BYTES,
    ResponseParser,
    encode_request,
    parse_response,
    route,
)
from dynastack.core.wire import Endpoint, HttpRequest, HttpResponse
from dynastack.errors import InvalidRequest, TransportError

URL = "http://127.0.0.1:8000/"
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 13\r\n\r\n"
OK_BODY = b'{"Item":null}'
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
)


def encode(headers: tuple[tuple[str, str], ...], body: bytes = b"{}", url: str = URL) -> bytes:
    endpoint, target = route(url)
    return encode_request(HttpRequest("POST", url, headers, body), endpoint, target)


def parse_all(*pieces: bytes) -> tuple[HttpResponse, ResponseParser]:
    parser = ResponseParser()
    response = None
    for piece in pieces:
        assert response is None, "a response completed before its last byte"
        response = parser.feed(piece)
    assert response is not None
    return response, parser


def parse_error(data: bytes, *, eof: bool = False, **limits: int) -> str:
    parser = ResponseParser(**limits)

    def run() -> None:
        assert parser.feed(data) is None
        if eof:
            parser.feed_eof()

    with pytest.raises(TransportError) as caught:
        run()
    return str(caught.value)


# --- requests ---------------------------------------------------------------------------


def test_request_head_adds_host_and_our_own_length() -> None:
    data = encode((("X-Amz-Target", "DynamoDB_20120810.GetItem"),), b'{"a":1}')
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"POST / HTTP/1.1",
        b"X-Amz-Target: DynamoDB_20120810.GetItem",
        b"Host: 127.0.0.1:8000",
        b"Content-Length: 7",
    ]
    assert body == b'{"a":1}'


def test_request_without_headers() -> None:
    head = encode(()).partition(b"\r\n\r\n")[0]
    assert head.split(b"\r\n") == [
        b"POST / HTTP/1.1",
        b"Host: 127.0.0.1:8000",
        b"Content-Length: 2",
    ]


def test_a_signed_host_header_is_kept_and_not_duplicated() -> None:
    data = encode((("host", "example.com:8000"),))
    assert data.lower().count(b"host:") == 1
    assert b"host: example.com:8000\r\n" in data


def test_caller_framing_is_replaced_by_ours() -> None:
    data = encode((("Content-Length", "999"), ("Transfer-Encoding", "chunked")), b"abc")
    assert b"999" not in data
    assert b"chunked" not in data
    assert data.endswith(b"Content-Length: 3\r\n\r\nabc")


@pytest.mark.parametrize(
    "header",
    [("X-Evil", "a\r\nContent-Length: 0"), ("X-Evil", "a\nb"), ("X-Ev\ril", "a"), ("X", "\r")],
)
def test_header_injection_is_refused_before_sending(header: tuple[str, str]) -> None:
    with pytest.raises(InvalidRequest, match="CR or LF"):
        encode((header,))


def test_non_latin1_header_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="Latin-1"):
        encode((("X-Name", "snowman ☃"),))


def test_route_splits_endpoint_and_target() -> None:
    endpoint, target = route("https://dynamodb.eu-west-1.amazonaws.com/path?x=1")
    assert endpoint == Endpoint("https", "dynamodb.eu-west-1.amazonaws.com", 443, "/path")
    assert target == "/path?x=1"
    assert route("http://localhost:8000")[1] == "/"


# --- responses: framing -------------------------------------------------------------------


def test_content_length_reply_at_every_split_point() -> None:
    data = OK + OK_BODY
    expected = HttpResponse(
        200, {"content-type": "application/x-amz-json-1.0", "content-length": "13"}, OK_BODY
    )
    for cut in range(1, len(data)):
        response, parser = parse_all(data[:cut], data[cut:])
        assert response == expected, cut
        assert parser.keep_alive


def test_content_length_reply_byte_by_byte() -> None:
    data = OK + OK_BODY
    response, _ = parse_all(*(data[i : i + 1] for i in range(len(data))))
    assert response.body == OK_BODY


def test_chunked_reply_at_every_split_point() -> None:
    for cut in range(1, len(CHUNKED)):
        response, parser = parse_all(CHUNKED[:cut], CHUNKED[cut:])
        assert response.body == b"hello 0123456789", cut
        assert parser.keep_alive


def test_chunked_reply_byte_by_byte() -> None:
    response, _ = parse_all(*(CHUNKED[i : i + 1] for i in range(len(CHUNKED))))
    assert response.body == b"hello 0123456789"
    assert response.headers == {"transfer-encoding": "chunked"}


def test_chunked_without_trailers_and_uppercase_hex() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nB\r\nhello world\r\n0\r\n\r\n"
    assert parse_all(data)[0].body == b"hello world"


def test_chunked_wins_over_content_length_but_the_connection_is_not_reused() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    response, parser = parse_all(data + b"2\r\nhi\r\n0\r\n\r\n")
    assert response.body == b"hi"
    assert not parser.keep_alive


def test_missing_length_on_a_keep_alive_reply_reads_until_close() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\nfirst ") is None
    assert parser.feed(b"second") is None
    response = parser.feed_eof()
    assert response.body == b"first second"
    assert not parser.keep_alive


def test_http10_reply_without_length_is_close_delimited() -> None:
    parser = ResponseParser()
    assert parser.feed(b"HTTP/1.0 200 OK\r\n\r\nbody") is None
    assert parser.feed_eof().body == b"body"
    assert not parser.keep_alive


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n", True),
        (b"HTTP/1.0 200 OK\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n", True),
    ],
)
def test_connection_reuse_follows_version_and_connection_header(
    head: bytes, keep_alive: bool
) -> None:
    response, parser = parse_all(head + b"Content-Length: 2\r\n\r\nok")
    assert response.body == b"ok"
    assert parser.keep_alive is keep_alive


def test_interim_replies_are_skipped() -> None:
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n" + OK + OK_BODY
    response, _ = parse_all(data)
    assert response.status == 200
    assert "link" not in response.headers


def test_switching_protocols_is_refused() -> None:
    assert "101" in parse_error(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n")


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses_ignore_content_length(status: int) -> None:
    response, parser = parse_all(f"HTTP/1.1 {status} X\r\nContent-Length: 5\r\n\r\n".encode())
    assert response.body == b""
    assert parser.keep_alive


def test_zero_length_body() -> None:
    response, _ = parse_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert response.body == b""


def test_header_names_are_lowercased_values_trimmed_repeats_joined() -> None:
    data = (
        b"HTTP/1.1 400 Bad Request\r\nX-Amzn-RequestId:  abc \r\nVia: a\r\nVIA:b\r\n"
        b"Content-Length: 0\r\n\r\n"
    )
    response, _ = parse_all(data)
    assert response.status == 400
    assert response.headers == {"x-amzn-requestid": "abc", "via": "a, b", "content-length": "0"}


def test_status_line_without_reason() -> None:
    assert parse_all(b"HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n")[0].status == 503


def test_bytes_after_a_complete_reply_forbid_reuse() -> None:
    response, parser = parse_all(OK + OK_BODY + b"HTTP/1.1 200 OK\r\n")
    assert response.body == OK_BODY
    assert not parser.keep_alive
    assert parser.feed(b"more") is None  # ignored: the connection will be closed
    assert not parser.keep_alive


def test_reset_makes_the_parser_reusable() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    parser.reset()
    assert parser.received == 0
    response = parser.feed(OK + OK_BODY)
    assert response is not None
    assert response.body == OK_BODY
    assert parser.keep_alive


# --- responses: errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/2 200 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 abc OK",
        b"HTTP/1.1 \xb200 OK",  # a superscript two is a digit to str.isdigit()
        b"ICY 200 OK",
        b"HTTP/1.1200 OK",
        b"",
    ],
)
def test_bad_status_line(status_line: bytes) -> None:
    message = parse_error(status_line + b"\r\nContent-Length: 0\r\n\r\n")
    assert "malformed status line" in message


@pytest.mark.parametrize(
    "line",
    [b"No-Colon-Here", b"Space Before : colon", b"Content-Length : 5", b" folded: x", b": x"],
)
def test_bad_header_line(line: bytes) -> None:
    message = parse_error(b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 0\r\n\r\n")
    assert "malformed header line" in message


def test_oversized_head_is_refused_without_waiting_for_its_end() -> None:
    parser = ResponseParser()
    filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
    assert parser.feed(b"HTTP/1.1 200 OK\r\n") is None

    def flood() -> None:
        for _ in range(MAX_HEADER_BYTES // len(filler) + 1):
            assert parser.feed(filler) is None

    with pytest.raises(TransportError, match="head over 65536 bytes"):
        flood()


def test_oversized_head_in_one_piece() -> None:
    data = b"HTTP/1.1 200 OK\r\nX: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n"
    assert "head over" in parse_error(data)


def test_bare_lf_is_named() -> None:
    assert "bare LF" in parse_error(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n")


@pytest.mark.parametrize(
    ("length", "message"),
    [
        (b"abc", "malformed Content-Length"),
        (b"+5", "malformed Content-Length"),
        (b"-1", "malformed Content-Length"),
        (b"\xb2", "malformed Content-Length"),
        (b"5, 6", "conflicting Content-Length"),
    ],
)
def test_bad_content_length(length: bytes, message: str) -> None:
    assert message in parse_error(b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\n")


def test_repeated_equal_content_length_is_accepted() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"
    assert parse_all(data)[0].body == b"ok"


def test_unsupported_transfer_encoding() -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    assert "unsupported Transfer-Encoding" in parse_error(data)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"zz\r\n", "malformed chunk size"),
        (b"\r\n", "malformed chunk size"),
        (b"11111111111111111\r\n", "malformed chunk size"),
        (b"2\r\nhiXX", "not followed by CRLF"),
        (b"1" * 2000, "chunk size line too long"),
    ],
)
def test_bad_chunked_body(body: bytes, message: str) -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert message in parse_error(head + body)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 101,
    ],
)
def test_body_limit(data: bytes) -> None:
    assert "body over 100 bytes" in parse_error(data, max_body_bytes=100)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "before any response byte"),
        (b"HTTP/1.1 200 OK\r\nContent-", "inside the response head"),
        (OK + b'{"Item"', "6 body bytes missing"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "chunked body"),
    ],
)
def test_eof_before_the_reply_is_complete(data: bytes, message: str) -> None:
    assert message in parse_error(data, eof=True)


# --- the flat fast path agrees with the incremental parser -------------------------------

_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-", min_size=1)
_value = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30)


@st.composite
def replies(draw: st.DrawFn) -> bytes:
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0"]))
    status = draw(st.sampled_from([100, 200, 204, 400, 500]))
    body = draw(st.binary(max_size=40))
    lines = [f"{version} {status} Reason"]
    lines += [
        f"{n}:{draw(st.sampled_from(['', ' ', '  ']))}{v}"
        for n, v in draw(st.lists(st.tuples(_token, _value), max_size=4))
    ]
    framing = draw(st.sampled_from(["length", "wrong-length", "chunked", "none", "close"]))
    if framing in ("length", "close"):
        lines.append(f"Content-Length: {len(body)}")
    elif framing == "wrong-length":
        lines.append(f"Content-Length: {len(body) + 1}")
    elif framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
        body = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    if framing == "close":
        lines.append("Connection: close")
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return head + body + draw(st.sampled_from([b"", b"", b"junk"]))


@given(replies())
def test_fast_path_agrees_with_the_parser(data: bytes) -> None:
    fast = parse_response(data)
    if fast is None:
        return
    parser = ResponseParser()
    assert (parser.feed(data), parser.keep_alive) == fast


@given(st.binary(max_size=300))
def test_fast_path_never_raises_on_garbage(data: bytes) -> None:
    fast = parse_response(b"HTTP/1.1 200 OK\r\n" + data)
    if fast is not None:
        parser = ResponseParser()
        assert (parser.feed(b"HTTP/1.1 200 OK\r\n" + data), parser.keep_alive) == fast


def test_fast_path_declines_what_it_does_not_handle() -> None:
    assert parse_response(OK + OK_BODY) is not None
    assert parse_response(OK + OK_BODY[:-1]) is None  # partial body
    assert parse_response(OK + OK_BODY + b"x") is None  # trailing bytes
    assert parse_response(CHUNKED) is None
    assert parse_response(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n") is None
    assert parse_response(b"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n") is None


def test_an_ipv6_literal_keeps_its_brackets_in_host_and_drops_them_to_connect() -> None:
    endpoint, target = route("http://[::1]:8000/")
    assert (endpoint.host, endpoint.port, endpoint.netloc, target) == (
        "::1",
        8000,
        "[::1]:8000",
        "/",
    )
    assert endpoint.url == "http://[::1]:8000/"
    assert b"\r\nHost: [::1]:8000\r\n" in encode((), url="http://[::1]:8000/")
    assert Endpoint.parse("https://[2001:db8::1]").netloc == "[2001:db8::1]"


def test_a_client_on_an_ipv6_literal_signs_the_bracketed_host() -> None:
    from datetime import UTC, datetime

    from dynastack.client.calls import CallSetup
    from dynastack.client.settings import ClientSettings
    from dynastack.core.signing import Credentials, sign

    plan = CallSetup(ClientSettings.resolve("http://[::1]:8000", region="us-east-1"))
    assert plan.url("dynamodb") == "http://[::1]:8000/"
    request = HttpRequest("POST", plan.url("dynamodb"), (("X-Amz-Target", "T"),), b"{}")
    now = datetime.now(UTC)
    signed = sign(
        request, Credentials("AKID", "secret"), region="us-east-1", service="dynamodb", now=now
    )
    assert signed.header("Host") == "[::1]:8000"
