"""An AMQP body's buffer grows with the bytes that arrive, not with the size its content header
declares: a client declaring 100 MiB bodies on 2,000 channels and sending 10 bytes of each makes the
broker reserve kilobytes, not 200 GB of address space; the next client is served."""

import struct

import pytest

import amqp_raw

pytestmark = pytest.mark.junction_only

CHANNELS = 2000
DECLARED = 100 * 1024 * 1024


def memory_kib(pid):
    """(VmSize, VmRSS) of a process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmSize", "VmRSS"):
                values[key] = int(rest.split()[0])
    return values["VmSize"], values["VmRSS"]


def test_declared_body_sizes_reserve_nothing_until_bytes_arrive(own_broker):
    pid = own_broker.process.pid
    with amqp_raw.RawConnection(own_broker.host, own_broker.port, timeout=30) as raw:
        raw.handshake()
        size_before, rss_before = memory_kib(pid)
        frames = b""
        for number in range(1, CHANNELS + 1):
            frames += amqp_raw.method_frame(number, amqp_raw.CHANNEL_OPEN, amqp_raw.shortstr(""))
            frames += amqp_raw.method_frame(
                number, amqp_raw.BASIC_PUBLISH, amqp_raw.basic_publish_arguments("", "nowhere"))
            frames += amqp_raw.content_header_frame(number, DECLARED)
            frames += amqp_raw.frame(amqp_raw.FRAME_BODY, number, b"0123456789")
        raw.send(frames)
        for _ in range(CHANNELS):
            raw.expect_method(amqp_raw.CHANNEL_OPEN_OK)
        # Every body frame was read (the opens before them were answered, the last channel's included).
        raw.open_channel(CHANNELS + 1)
        size_after, rss_after = memory_kib(pid)
        # 2,000 x 100 MiB reserved up front would be 200 GB of address space; what arrived is 20 KB.
        assert size_after - size_before < 1024 * 1024, (size_before, size_after)
        assert rss_after - rss_before < 64 * 1024, (rss_before, rss_after)
        # The next client is served while the hostile one is still connected.
        other = own_broker.connect()
        channel = other.channel()
        channel.queue_declare("after-hostile-bodies")
        channel.basic_publish("", "after-hostile-bodies", b"hello")
        method, _, body = channel.basic_get("after-hostile-bodies", auto_ack=True)
        assert body == b"hello"
        other.close()
