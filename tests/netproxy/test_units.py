"""Unit tests of the embedded server's pure parts: Go JSON rules, slicing, addresses, HTTP."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.toxiproxy.gojson import (
    DecodeError,
    Float32,
    JsonObject,
    encode,
    format_float32,
    parse,
)
from services.toxiproxy.gostruct import Field, decode_struct
from services.toxiproxy.http import BadRequest, read_request
from services.toxiproxy.link import Connection
from services.toxiproxy.netaddr import AddressError, split_host_port
from services.toxiproxy.toxics.shaping import slice_bounds
from services.toxiproxy.toxics.timing import Bandwidth


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "EOF"),
        (b"  \n", "EOF"),
        (b"{bad", "invalid character 'b' looking for beginning of object key string"),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b"}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b'{"a":', "unexpected EOF"),
        (b'{"a":"x', "unexpected EOF"),
        (b"NaN", "invalid character 'N' looking for beginning of value"),
    ],
)
def test_go_syntax_errors(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError) as error:
        parse(body)
    assert str(error.value) == message


def test_only_first_value_is_read() -> None:
    value = parse(b'{"a": 1} trailing garbage')
    assert isinstance(value, JsonObject)
    assert [(key, number.text) for key, number in value] == [("a", "1")]


def test_struct_rules() -> None:
    fields = [Field("name", "string"), Field("rate", "int64"), Field("toxicity", "float32")]
    pairs = parse(b'{"NAME": "x", "Name": "y", "rate": null, "other": [1], "toxicity": 0.5}')
    assert decode_struct(pairs, fields, struct="T") == {"name": "y", "toxicity": 0.5}
    with pytest.raises(
        DecodeError,
        match=r"cannot unmarshal number 1\.5 into Go struct field T\.rate of type int64",
    ):
        decode_struct(parse(b'{"rate": 1.5}'), fields, struct="T")
    with pytest.raises(DecodeError, match=r"cannot unmarshal string into Go struct field T\.rate"):
        decode_struct(parse(b'{"rate": "1"}'), fields, struct="T")
    with pytest.raises(DecodeError, match="number 99999999999999999999"):
        decode_struct(parse(b'{"rate": 99999999999999999999}'), fields, struct="T")


@pytest.mark.parametrize(
    ("value", "text"), [(1.0, "1"), (0.5, "0.5"), (0.2, "0.2"), (-1.0, "-1"), (1e-7, "1e-07")]
)
def test_float32_printing(value: float, text: str) -> None:
    assert format_float32(value) == text.replace("e-07", "e-7")


def test_encode_like_go() -> None:
    assert encode({"a": "<&>", "t": Float32(0.2), "l": [], "n": None}) == (
        '{"a":"\\u003c\\u0026\\u003e","t":0.2,"l":[],"n":null}'
    )


@given(
    length=st.integers(0, 5000),
    average=st.integers(-5, 600),
    variation=st.integers(-5, 2000),
    seed=st.integers(0, 1000),
)
def test_slices_cover_the_chunk_in_order(
    length: int, average: int, variation: int, seed: int
) -> None:
    ends = slice_bounds(length, average, variation, random.Random(seed))
    assert ends[-1] == length
    assert ends == sorted(ends)
    assert len(set(ends)) == len(ends) or length == 0
    if average > 0 and length > 0:
        starts = [0, *ends[:-1]]
        assert all(end - start >= 1 for start, end in zip(starts, ends, strict=True))


def test_slicer_without_variation_cuts_single_bytes() -> None:
    assert slice_bounds(24, 1, 0, random.Random(1)) == list(range(1, 25))


def test_negative_bandwidth_is_refused() -> None:
    assert Bandwidth.check({"rate": -1}) is not None
    assert Bandwidth.check({"rate": 0}) is None


@pytest.mark.parametrize(
    ("address", "parts"),
    [("127.0.0.1:80", ("127.0.0.1", "80")), ("[::1]:9", ("::1", "9")), (":0", ("", "0"))],
)
def test_split_host_port(address: str, parts: tuple[str, str]) -> None:
    assert split_host_port(address) == parts


@pytest.mark.parametrize("address", ["local373", "a:b:c", "[::1]"])
def test_split_host_port_errors(address: str) -> None:
    with pytest.raises(AddressError, match=r"address .*: (missing|too many)"):
        split_host_port(address)


async def _parse(raw: bytes) -> object:
    reader = asyncio.StreamReader()
    reader.feed_data(raw)
    reader.feed_eof()

    class Writer:
        def write(self, data: bytes) -> None:
            pass

    return await read_request(reader, Writer())  # type: ignore[arg-type]


def test_http_request_parsing() -> None:
    chunked = (
        b"POST /proxies/a%20b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\n"
    )
    request = asyncio.run(_parse(chunked))
    assert request.path == "/proxies/a b"  # type: ignore[attr-defined]
    assert request.body == b"abc"  # type: ignore[attr-defined]
    for bad in (
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HELLO\r\n\r\n",
    ):
        with pytest.raises(BadRequest):
            asyncio.run(_parse(bad))


class FakeTransport(asyncio.Transport):
    """Records what is written and whether reading is paused."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.reading = True
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True


class Owner:
    def rng_for(self, connection: int, direction: str, toxic: str, run: int) -> random.Random:
        return random.Random(0)

    def forget(self, connection: object) -> None:
        return None


def test_data_a_client_sends_before_the_upstream_socket_exists_waits_for_it() -> None:
    """CPython before 3.11.3 (Debian bookworm's, in the container image) reads from a
    transport paused in ``connection_made``; nothing may be lost or written nowhere."""

    async def scenario() -> tuple[bytes, bool, bool]:
        client, server = FakeTransport(), FakeTransport()
        connection = Connection(Owner(), 1, client)
        connection.from_client(b"LOGON ")
        connection.from_client(b"router-2")
        held = server.written == b"" and not client.reading
        connection.connected(server)
        connection.from_client(b"!")
        return server.written, held, client.reading

    written, held, reading = asyncio.run(scenario())
    assert held and reading
    assert written == b"LOGON router-2!"
