"""STOMP over WebSocket on the HTTP listener's `/ws` (subprotocols v12.stomp, v11.stomp, v10.stomp)
with the `websockets` client: frames in text frames, fragmented messages, frames split across and
packed into messages, ping/pong, the close handshake in both directions, and other protocols'
publishes reaching a STOMP-over-WebSocket subscriber."""

import contextlib
import threading
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from test_stomp_support import TIMEOUT, FrameReader, encode_frame

pytestmark = pytest.mark.junction_only


def name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def clients():
    """Closes every WebSocket a test opened (websockets 17 wants connections used as context managers)."""
    with contextlib.ExitStack() as stack:
        yield stack


def open_ws(broker, clients, subprotocols=("v12.stomp", "v11.stomp", "v10.stomp")):
    return clients.enter_context(connect(
        f"ws://{broker.host}:{broker.http_port}/ws",
        subprotocols=list(subprotocols) if subprotocols is not None else None,
        compression=None,
        proxy=None,
        ping_interval=None,
        open_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    ))


def stomp_session(broker, clients, subprotocols=("v12.stomp", "v11.stomp", "v10.stomp"), version="1.2"):
    """A WebSocket that has sent CONNECT and read CONNECTED; returns (ws, reader, CONNECTED headers)."""
    ws = open_ws(broker, clients, subprotocols)
    ws.send(encode_frame("CONNECT", {"accept-version": version, "host": "/", "login": "guest",
                                     "passcode": "guest", "heart-beat": "0,0"}))
    reader = FrameReader(ws)
    command, headers, _ = reader.next()
    assert command == "CONNECTED", headers
    return ws, reader, headers


def subscribe(ws, reader, destination, sub_id="s"):
    ws.send(encode_frame("SUBSCRIBE", {"id": sub_id, "destination": destination, "ack": "auto",
                                       "receipt": f"sub-{sub_id}"}))
    assert reader.next() == ("RECEIPT", {"receipt-id": f"sub-{sub_id}"}, "")


@pytest.mark.parametrize("subprotocol,version", [("v12.stomp", "1.2"), ("v11.stomp", "1.1"), ("v10.stomp", "1.0")])
def test_subprotocol_is_negotiated(broker, clients, subprotocol, version):
    ws, _, connected = stomp_session(broker, clients, subprotocols=[subprotocol], version=version)
    assert ws.subprotocol == subprotocol
    assert connected["version"] == version
    ws.close()


def test_unknown_subprotocol_is_refused(broker, clients):
    with pytest.raises(Exception) as refused:
        open_ws(broker, clients, subprotocols=["mqtt"])
    assert "400" in str(refused.value)


def test_connect_subscribe_send_in_text_frames(broker, clients):
    ws, reader, connected = stomp_session(broker, clients)
    assert ws.subprotocol == "v12.stomp"
    assert connected["server"].startswith("Junction/")
    destination = f"/queue/{name('ws')}"
    subscribe(ws, reader, destination)
    ws.send(encode_frame("SEND", {"destination": destination, "content-type": "text/plain", "receipt": "r1"},
                         "héllo over ws"))
    frames = [reader.next(), reader.next()]
    message = next(frame for frame in frames if frame[0] == "MESSAGE")
    assert ("RECEIPT", {"receipt-id": "r1"}, "") in frames
    assert message[1]["destination"] == destination
    assert message[1]["subscription"] == "s"
    assert message[2] == "héllo over ws"
    # STOMP is text: the broker answers in text frames.
    assert set(reader.kinds) == {str}
    ws.close()


def test_binary_client_frames_are_accepted(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    destination = f"/queue/{name('bin')}"
    subscribe(ws, reader, destination)
    ws.send(encode_frame("SEND", {"destination": destination}, "as binary").encode())
    assert reader.next()[2] == "as binary"
    ws.close()


def test_fragmented_message_carries_one_frame(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    destination = f"/queue/{name('frag')}"
    subscribe(ws, reader, destination)
    frame = encode_frame("SEND", {"destination": destination, "receipt": "frag"}, "x" * 300_000)
    # One WebSocket message in 64 KiB fragments (opcode text, then continuations).
    ws.send(frame[i:i + 65536] for i in range(0, len(frame), 65536))
    frames = [reader.next(), reader.next()]
    assert ("RECEIPT", {"receipt-id": "frag"}, "") in frames
    message = next(frame for frame in frames if frame[0] == "MESSAGE")
    assert message[2] == "x" * 300_000
    ws.close()


def test_frame_split_across_messages_and_frames_packed_in_one(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    destination = f"/queue/{name('split')}"
    subscribe(ws, reader, destination)
    first = encode_frame("SEND", {"destination": destination}, "one")
    ws.send(first[:7])
    ws.send(first[7:])
    ws.send(encode_frame("SEND", {"destination": destination}, "two") + "\n"
            + encode_frame("SEND", {"destination": destination}, "three"))
    assert [reader.next()[2] for _ in range(3)] == ["one", "two", "three"]
    ws.close()


def test_ping_is_answered_with_pong(broker, clients):
    ws, _, _ = stomp_session(broker, clients)
    assert ws.ping(b"are you there").wait(TIMEOUT)
    ws.close()


def test_client_close_is_echoed(broker, clients):
    ws, _, _ = stomp_session(broker, clients)
    ws.close(code=1000, reason="done")
    assert ws.protocol.close_rcvd is not None
    assert ws.protocol.close_rcvd.code == 1000


def test_disconnect_receipt_then_server_close_1000(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    ws.send(encode_frame("DISCONNECT", {"receipt": "bye"}))
    assert reader.next() == ("RECEIPT", {"receipt-id": "bye"}, "")
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


def test_error_frame_then_close(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    ws.send(encode_frame("SEND", {"destination": "/nowhere/x"}, "lost"))
    command, headers, _ = reader.next()
    assert command == "ERROR"
    assert headers["message"] == "Unknown destination"
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


def test_websocket_and_tcp_stomp_meet(broker, clients):
    from test_stomp_support import stomp_connection

    ws, reader, _ = stomp_session(broker, clients)
    key = name("mix").replace("-", ".")
    subscribe(ws, reader, f"/topic/{key}.*")
    conn, _ = stomp_connection(broker, "1.2")
    conn.connect("guest", "guest", wait=True)
    conn.send(f"/topic/{key}.tcp", "from tcp", headers={"custom": "value"})
    command, headers, body = reader.next()
    assert (command, body) == ("MESSAGE", "from tcp")
    assert headers["destination"] == f"/topic/{key}.tcp"
    assert headers["custom"] == "value"
    conn.disconnect()
    ws.close()


def test_amqp_publish_reaches_websocket_topic_subscriber(broker, clients):
    import pika

    ws, reader, _ = stomp_session(broker, clients)
    key = name("amqp").replace("-", ".")
    subscribe(ws, reader, f"/topic/{key}.#")
    connection = broker.connect()
    channel = connection.channel()
    channel.basic_publish(
        "amq.topic", f"{key}.room1", b"from pika",
        pika.BasicProperties(content_type="text/plain", correlation_id="c-1", headers={"site": "lab"}),
    )
    command, headers, body = reader.next()
    assert (command, body) == ("MESSAGE", "from pika")
    assert headers["destination"] == f"/topic/{key}.room1"
    assert headers["content-type"] == "text/plain"
    assert headers["correlation-id"] == "c-1"
    assert headers["site"] == "lab"
    connection.close()
    ws.close()


def test_mqtt_publish_reaches_websocket_topic_subscriber(broker, clients):
    mqtt = pytest.importorskip("paho.mqtt.client")

    ws, reader, _ = stomp_session(broker, clients)
    device = name("dev")
    subscribe(ws, reader, f"/topic/sensors.{device}.*")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name("pub"), protocol=mqtt.MQTTv311)
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect(broker.host, broker.mqtt_port)
    client.loop_start()
    try:
        assert connected.wait(TIMEOUT)
        client.publish(f"sensors/{device}/temp", b"21.5", qos=1).wait_for_publish(TIMEOUT)
        command, headers, body = reader.next()
        assert (command, body) == ("MESSAGE", "21.5")
        assert headers["destination"] == f"/topic/sensors.{device}.temp"
    finally:
        client.loop_stop()
        client.disconnect()
    ws.close()


def test_binary_body_from_amqp_reaches_websocket_subscriber(broker, clients):
    ws, reader, _ = stomp_session(broker, clients)
    key = name("bytes").replace("-", ".")
    subscribe(ws, reader, f"/topic/{key}")
    connection = broker.connect()
    connection.channel().basic_publish("amq.topic", key, bytes([0xFF, 0xFE, 0x00, 0x41]))
    data = b""
    while data.count(b"\0") < 2:
        chunk = ws.recv(timeout=TIMEOUT)
        data += chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")
    assert b"\xff\xfe\x00A" in data
    connection.close()
    ws.close()
