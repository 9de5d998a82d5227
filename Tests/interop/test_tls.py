"""TLS on every listener: AMQPS with pika, MQTTS with paho and libmosquitto, STOMP over TLS with
stomp.py, HTTPS with requests and curl, wss with websockets; client-certificate logins (AMQP EXTERNAL,
MQTT use_identity_as_username); failed handshakes that close only their own connection; SIGHUP reload.
The CA and every certificate are made with the openssl CLI when the module starts."""

import hashlib
import queue
import signal
import socket
import ssl
import subprocess
import uuid

import paho.mqtt.client as mqtt
import pika
import pika.credentials
import pika.exceptions
import pytest
import requests
import stomp
from websockets.sync.client import connect as ws_connect

from helpers import Broker, free_port, wait_until
from test_mqtt_transports import Mosquitto
from test_stomp_support import TIMEOUT, Collector, FrameReader, encode_frame
from tls_support import CertificateAuthority, client_context

pytestmark = pytest.mark.junction_only

CERT_USER = "device-7"  # a user with an empty password: certificate logins only


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """The trusted CA with server and client certificates, and an untrusted CA with a client certificate."""
    directory = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority(directory, "junction-test-ca")
    rogue = CertificateAuthority(directory / "rogue", "rogue-ca")
    return {
        "ca": ca,
        "server": ca.issue("server", "localhost", server=True),
        "user": ca.issue("user", CERT_USER),
        "nobody": ca.issue("nobody", "nobody-we-know"),
        "rogue": rogue.issue("rogue-client", CERT_USER),
    }


def write_config(path, pki, verify_peer, server):
    cert, key = server
    path.write_text(f"""
tls:
  cert_file: {cert}
  key_file: {key}
  ca_file: {pki["ca"].cert}
  verify_peer: {verify_peer}
mqtt:
  use_identity_as_username: true
users:
  names: [guest, {CERT_USER}]
  guest:
    password: guest
    tags: [administrator]
    loopback_only: true
  {CERT_USER}:
    password: ""
""")
    return str(path)


def start_tls_broker(binary, directory, pki, verify_peer="optional", server=None):
    """A broker with all four TLS listeners on free ports (as flags), configured by a YAML file."""
    config = write_config(directory / "junction.yaml", pki, verify_peer, server or pki["server"])
    ports = {name: free_port() for name in ("amqps", "mqtts", "stomps", "https")}
    args = ["--config", config]
    for name, port in ports.items():
        args += [f"--{name}-port", str(port)]
    instance = Broker(binary, str(directory / "data"), extra_args=args)
    instance.start()
    for name, port in ports.items():
        setattr(instance, f"{name}_port", port)
        wait_until(lambda: "over TLS listener ready" in instance.log() and _accepts(port), 10,
                   message=f"{name} listener")
    return instance


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def tls_broker(broker_binary_path, tmp_path_factory, pki):
    instance = start_tls_broker(broker_binary_path, tmp_path_factory.mktemp("tls-broker"), pki)
    yield instance
    instance.stop()


def ca_file(pki):
    return pki["ca"].cert


def amqps_parameters(broker, pki, credentials=None, cert=None):
    context = client_context(ca_file(pki), *(cert or (None, None)))
    return pika.ConnectionParameters(
        host="127.0.0.1", port=broker.amqps_port, ssl_options=pika.SSLOptions(context, "localhost"),
        credentials=credentials or pika.PlainCredentials("guest", "guest"), connection_attempts=1,
        socket_timeout=10)


def amqp_roundtrip(connection):
    """Publishes to a fresh queue on `connection` and gets the message back."""
    channel = connection.channel()
    queue_name = channel.queue_declare("", exclusive=True).method.queue
    body = uuid.uuid4().bytes
    channel.basic_publish("", queue_name, body)

    def get():
        method, _, received = channel.basic_get(queue_name, auto_ack=True)
        return received if method else None

    assert wait_until(get, TIMEOUT, message="the message back") == body
    channel.close()


def tls_failures(broker):
    return broker.log().count("TLS handshake failed")


def test_amqps_with_pika_ssl_options(tls_broker, pki):
    with pika.BlockingConnection(amqps_parameters(tls_broker, pki)) as connection:
        amqp_roundtrip(connection)


def test_amqp_external_login_with_client_certificate(tls_broker, pki):
    parameters = amqps_parameters(tls_broker, pki, pika.credentials.ExternalCredentials(), cert=pki["user"])
    with pika.BlockingConnection(parameters) as connection:
        amqp_roundtrip(connection)
        connections = requests.get(tls_broker.http_url("/api/connections"), auth=("guest", "guest"), timeout=10)
        assert CERT_USER in [entry.get("user") for entry in connections.json()]


def test_amqp_external_refused_for_unknown_user_and_without_certificate(tls_broker, pki):
    external = pika.credentials.ExternalCredentials()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(amqps_parameters(tls_broker, pki, external, cert=pki["nobody"]))
    # Without a certificate the server does not offer EXTERNAL; pika refuses to go on.
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(amqps_parameters(tls_broker, pki, external))


def test_certificate_only_user_has_no_password_login(tls_broker, pki):
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(amqps_parameters(tls_broker, pki, pika.PlainCredentials(CERT_USER, "")))


class Paho:
    """A paho client over TLS with its callbacks as queues."""

    def __init__(self, broker, pki, cert=None, username=None, password=None, websocket=False):
        self.messages = queue.Queue()
        self.connacks = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"tls-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv311, transport="websockets" if websocket else "tcp")
        if websocket:
            self.client.ws_set_options(path="/mqtt")
        certfile, keyfile = cert or (None, None)
        self.client.tls_set(ca_certs=ca_file(pki), certfile=certfile, keyfile=keyfile)
        if username is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, u, flags, reason, properties: self.connacks.put(reason)
        self.client.on_message = lambda c, u, message: self.messages.put(message)
        self.client.connect("127.0.0.1", broker.https_port if websocket else broker.mqtts_port, keepalive=30)
        self.client.loop_start()
        self.reason = self.connacks.get(timeout=TIMEOUT)

    def roundtrip(self):
        topic = f"tls/{uuid.uuid4().hex[:8]}"
        done = queue.Queue()
        self.client.on_subscribe = lambda c, u, mid, codes, properties: done.put(codes)
        self.client.subscribe(topic, qos=1)
        done.get(timeout=TIMEOUT)
        self.client.publish(topic, b"over tls", qos=1).wait_for_publish(TIMEOUT)
        assert self.messages.get(timeout=TIMEOUT).payload == b"over tls"

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def test_mqtts_with_paho_tls_set(tls_broker, pki):
    client = Paho(tls_broker, pki, username="guest", password="guest")
    assert not client.reason.is_failure
    client.roundtrip()
    client.close()


def test_mqtt_identity_as_username(tls_broker, pki):
    # The certificate names the user; the CONNECT's (wrong) credentials are ignored.
    client = Paho(tls_broker, pki, cert=pki["user"], username="someone-else", password="wrong")
    assert not client.reason.is_failure, client.reason
    client.roundtrip()
    client.close()
    # A certificate the CA signed for a name that is no user is refused.
    refused = Paho(tls_broker, pki, cert=pki["nobody"])
    assert refused.reason.is_failure
    refused.close()


def test_mqtt_over_wss_with_identity_as_username(tls_broker, pki):
    client = Paho(tls_broker, pki, cert=pki["user"], websocket=True)
    assert not client.reason.is_failure, client.reason
    client.roundtrip()
    client.close()
    refused = Paho(tls_broker, pki, cert=pki["nobody"], websocket=True)
    assert refused.reason.is_failure
    refused.close()


def test_libmosquitto_over_tls_with_client_certificate(tls_broker, pki):
    cert, key = pki["user"]
    client = Mosquitto(f"libmosq-{uuid.uuid4().hex[:8]}", tls_broker.mqtts_port, tls=(ca_file(pki), cert, key))
    topic = f"tls/libmosquitto/{uuid.uuid4().hex[:8]}"
    client.subscribe(topic, 1)
    client.publish(topic, b"from libmosquitto", 1)
    client.run_until(lambda: client.messages)
    assert client.messages[0][:2] == (topic, b"from libmosquitto")
    client.close()


def test_stomp_over_tls_with_stomp_py(tls_broker, pki):
    connection = stomp.Connection12([("127.0.0.1", tls_broker.stomps_port)], heartbeats=(0, 0), vhost="localhost")
    connection.set_ssl(for_hosts=[("127.0.0.1", tls_broker.stomps_port)], ca_certs=ca_file(pki))
    collector = Collector()
    connection.set_listener("collector", collector)
    connection.connect("guest", "guest", wait=True)
    destination = f"/queue/tls-{uuid.uuid4().hex[:8]}"
    connection.subscribe(destination, id="1", ack="auto")
    connection.send(destination, "over stomp+tls", receipt="sent")
    assert collector.receipt() == "sent"
    assert collector.message().body == "over stomp+tls"
    connection.disconnect()


def test_https_with_requests_and_curl(tls_broker, pki):
    url = f"https://localhost:{tls_broker.https_port}/api/overview"
    response = requests.get(url, auth=("guest", "guest"), verify=ca_file(pki), timeout=10)
    assert response.status_code == 200
    curl = subprocess.run(["curl", "-sS", "--fail", "--cacert", ca_file(pki), "-u", "guest:guest", url],
                          capture_output=True, text=True, timeout=30)
    assert curl.returncode == 0, curl.stderr
    assert curl.stdout.startswith("{")
    # Without the CA, curl does not trust the listener.
    untrusted = subprocess.run(["curl", "-sS", "--fail", url], capture_output=True, text=True, timeout=30)
    assert untrusted.returncode != 0


def test_stomp_over_wss(tls_broker, pki):
    with ws_connect(f"wss://localhost:{tls_broker.https_port}/ws", subprotocols=["v12.stomp"],
                    ssl=client_context(ca_file(pki)), compression=None, proxy=None, ping_interval=None,
                    open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        ws.send(encode_frame("CONNECT", {"accept-version": "1.2", "host": "/", "login": "guest",
                                         "passcode": "guest", "heart-beat": "0,0"}))
        command, headers, _ = FrameReader(ws).next()
        assert command == "CONNECTED", headers


def test_failed_handshakes_close_only_their_connection(tls_broker, pki):
    with pika.BlockingConnection(amqps_parameters(tls_broker, pki)) as bystander:
        before = tls_failures(tls_broker)
        # Plaintext AMQP to the TLS port: the TLS layer answers with an alert and closes.
        with socket.create_connection(("127.0.0.1", tls_broker.amqps_port), timeout=TIMEOUT) as raw:
            raw.sendall(b"AMQP\x00\x00\x09\x01")
            assert _read_to_end(raw)[:1] in (b"", b"\x15")  # nothing, or a TLS alert record
        wait_until(lambda: tls_failures(tls_broker) == before + 1, TIMEOUT, message="one log line (plaintext)")
        # A client certificate from a CA the broker does not trust.
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            _tls_exchange(tls_broker.mqtts_port, client_context(ca_file(pki), *pki["rogue"]))
        wait_until(lambda: tls_failures(tls_broker) == before + 2, TIMEOUT, message="one log line (unknown cert)")
        # A client that does not trust the server gives up mid-handshake.
        with pytest.raises(ssl.SSLError):
            _tls_exchange(tls_broker.stomps_port, ssl.create_default_context())
        wait_until(lambda: tls_failures(tls_broker) == before + 3, TIMEOUT, message="one log line (client abort)")
        amqp_roundtrip(bystander)
    assert tls_broker.is_running()
    assert "Fatal error" not in tls_broker.log()


def _read_to_end(sock):
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def _tls_exchange(port, context):
    """Handshakes, then reads until the server closes (TLS 1.3 reports a refused client certificate
    only at the first read)."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"\x10\x00")
            if tls.recv(1) == b"":
                raise ConnectionError("closed by the server")


def test_required_client_certificates_and_sighup_reload(broker_binary_path, tmp_path, pki):
    # Its own copy of the server files, which the test overwrites.
    cert_path, key_path = str(tmp_path / "server.pem"), str(tmp_path / "server.key")
    _replace(cert_path, pki["server"][0])
    _replace(key_path, pki["server"][1])
    broker = start_tls_broker(broker_binary_path, tmp_path, pki, verify_peer="required",
                              server=(cert_path, key_path))
    try:
        # verify_peer: required refuses a TLS client without a certificate, and serves one with it.
        before = tls_failures(broker)
        with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
            _tls_exchange(broker.amqps_port, client_context(ca_file(pki)))
        wait_until(lambda: tls_failures(broker) == before + 1, TIMEOUT, message="one log line (no certificate)")
        external = pika.credentials.ExternalCredentials()
        old_connection = pika.BlockingConnection(amqps_parameters(broker, pki, external, cert=pki["user"]))

        # SIGHUP: the files now hold a new certificate; new connections get it, the open one goes on.
        old_fingerprint = _fingerprint_with_client_cert(broker.https_port, pki)
        new_cert, new_key = pki["ca"].issue(f"server-{uuid.uuid4().hex[:8]}", "localhost", server=True)
        _replace(cert_path, new_cert)
        _replace(key_path, new_key)
        broker.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "TLS certificates reloaded" in broker.log(), TIMEOUT, message="the reload log line")
        new_fingerprint = _fingerprint_with_client_cert(broker.https_port, pki)
        assert new_fingerprint != old_fingerprint
        with open(new_cert, "rb") as f:
            assert new_fingerprint == _pem_fingerprint(f.read())
        amqp_roundtrip(old_connection)
        old_connection.close()
        # Files that do not load leave the certificates in use as they were.
        with open(cert_path, "w") as f:
            f.write("not a certificate\n")
        broker.process.send_signal(signal.SIGHUP)
        wait_until(lambda: "TLS reload failed" in broker.log(), TIMEOUT, message="the failed reload log line")
        assert _fingerprint_with_client_cert(broker.https_port, pki) == new_fingerprint
        with pika.BlockingConnection(amqps_parameters(broker, pki, external, cert=pki["user"])) as fresh:
            amqp_roundtrip(fresh)
    finally:
        broker.stop()


def _replace(path, source):
    with open(source, "rb") as f:
        content = f.read()
    with open(path, "wb") as f:
        f.write(content)


def _fingerprint_with_client_cert(port, pki):
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with client_context(ca_file(pki), *pki["user"]).wrap_socket(raw, server_hostname="localhost") as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def _pem_fingerprint(pem):
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem.decode())).hexdigest()
