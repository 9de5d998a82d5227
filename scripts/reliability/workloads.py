"""The crash loop's workloads: each runs in threads until the broker dies, then verifies after the restart."""

import subprocess
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pika
import requests

from ledger import body, parse

CLASSIC, STREAM, HTTP_QUEUE = "crashloop.classic", "crashloop.stream", "crashloop.http"
GROUP = "crashloop-group"
MQTT_TOPIC, RETAINED_TOPICS = "crashloop/mqtt", 8
SUBSCRIBER_ID = "crashloop-subscriber"


def parameters(broker):
    return pika.ConnectionParameters(
        host="127.0.0.1", port=broker.amqp, credentials=pika.PlainCredentials("guest", "guest"),
        connection_attempts=1, socket_timeout=5, blocked_connection_timeout=30, heartbeat=0)


def setup(broker, ledger):
    """Declares the queues and the stream, and starts the MQTT subscriber that lives for the whole run."""
    connection = pika.BlockingConnection(parameters(broker))
    channel = connection.channel()
    channel.queue_declare(CLASSIC, durable=True)
    channel.queue_declare(HTTP_QUEUE, durable=True)
    channel.queue_declare(STREAM, durable=True, arguments={"x-queue-type": "stream"})
    connection.close()
    subscriber = MQTTSubscriber(broker, ledger)
    subscriber.start()
    publishers = [MQTTPublisher(broker, ledger, qos=1), MQTTPublisher(broker, ledger, qos=2),
                  MQTTPublisher(broker, ledger, qos=1, retain=True)]
    return [subscriber] + publishers


class Workload(threading.Thread):
    """A thread that runs `work()` until `stop` is set or the broker goes away."""

    kind = "?"

    def __init__(self, broker, ledger, cycle):
        super().__init__(daemon=True)
        self.broker, self.ledger, self.cycle = broker, ledger, cycle
        self.stop = threading.Event()
        self.confirmed_this_cycle = 0
        self.error = None

    def run(self):
        try:
            self.work()
        except Exception as error:  # the broker was killed: any client error ends the workload
            self.error = error

    def confirm(self, kind, sequence):
        self.ledger.confirm(kind, sequence)
        self.confirmed_this_cycle += 1


class Sequence:
    """Message numbers per workload, unique across cycles."""

    lock = threading.Lock()
    next = {}

    @classmethod
    def take(cls, kind):
        with cls.lock:
            value = cls.next.get(kind, 0)
            cls.next[kind] = value + 1
            return value


class ConfirmingPublisher(Workload):
    """AMQP publisher with confirms and a window of unconfirmed messages (SelectConnection)."""

    def __init__(self, broker, ledger, cycle, kind, queue, window=64):
        super().__init__(broker, ledger, cycle)
        self.kind, self.queue, self.window = kind, queue, window
        self.tags = {}
        self.next_tag = 1

    def work(self):
        self.connection = pika.SelectConnection(
            parameters(self.broker), on_open_callback=lambda c: c.channel(on_open_callback=self.on_channel),
            on_open_error_callback=lambda _c, _e: self.connection.ioloop.stop(),
            on_close_callback=lambda _c, _r: self.connection.ioloop.stop())
        self.connection.ioloop.call_later(0.1, self.watch)
        self.connection.ioloop.start()

    def watch(self):
        if self.stop.is_set():
            self.connection.ioloop.stop()
        else:
            self.connection.ioloop.call_later(0.1, self.watch)

    def on_channel(self, channel):
        self.channel = channel
        channel.confirm_delivery(self.on_confirm, callback=lambda _f: self.publish())

    def publish(self):
        while len(self.tags) < self.window and not self.stop.is_set():
            sequence = Sequence.take(self.kind)
            self.channel.basic_publish("", self.queue, body(self.kind, sequence), pika.BasicProperties(delivery_mode=2))
            self.tags[self.next_tag] = sequence
            self.next_tag += 1

    def on_confirm(self, frame):
        method = frame.method
        tags = [t for t in self.tags if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in tags:
            sequence = self.tags.pop(tag, None)
            if sequence is None:
                continue
            if isinstance(method, pika.spec.Basic.Ack):
                self.confirm(self.kind, sequence)
            else:
                self.ledger.add(self.kind, "nacked")
        self.publish()


class ClassicConsumer(Workload):
    """basic.get + ack: the next get's answer proves the previous ack was processed (same channel)."""

    kind = "classic"

    def work(self):
        connection = pika.BlockingConnection(parameters(self.broker))
        channel = connection.channel()
        previous = None
        while not self.stop.is_set():
            method, _properties, data = channel.basic_get(CLASSIC, auto_ack=False)
            if previous is not None:
                self.ledger.settle(self.kind, [previous])
                previous = None
            if method is None:
                time.sleep(0.005)
                continue
            parsed = parse(data)
            if parsed is None:
                self.ledger.add(self.kind, "corrupted")
            channel.basic_ack(method.delivery_tag)
            if parsed:
                self.ledger.ack(self.kind, parsed[1])
                previous = parsed[1]
            # Consume about half of what is published, so the queue holds messages at the kill.
            time.sleep(0.002)


class StreamGroupConsumer(Workload):
    """A consumer-group member that acks each message; basic.qos-ok after acks proves them processed.
    The stream's settled acks are recorded by offset (the group resumes after its committed offset)."""

    kind = "stream"

    def work(self):
        connection = pika.BlockingConnection(parameters(self.broker))
        channel = connection.channel()
        channel.basic_qos(prefetch_count=50)
        unsettled = []
        for method, properties, data in channel.consume(
                STREAM, arguments={"x-stream-offset": "first", "x-consumer-group": GROUP}, inactivity_timeout=0.05):
            if unsettled:
                channel.basic_qos(prefetch_count=50)
                self.ledger.settle(self.kind, unsettled)
                unsettled = []
            if self.stop.is_set():
                break
            if method is None:
                continue
            parsed = parse(data)
            if parsed is None:
                self.ledger.add(self.kind, "corrupted")
            channel.basic_ack(method.delivery_tag)
            unsettled.append(properties.headers["x-stream-offset"])
            time.sleep(0.002)


def mqtt_client(client_id, clean):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean,
                         protocol=mqtt.MQTTv311)
    client.username_pw_set("guest", "guest")
    client.max_inflight_messages_set(64)
    client.max_queued_messages_set(64)
    return client


class MQTTPublisher:
    """A publisher at QoS 1 or 2 (or QoS 1 retained): one paho client for the whole run, reconnecting by itself
    after every restart. A persistent session belongs to the client that keeps its state: a fresh client
    object reusing the session's id would reuse packet ids the broker still holds as awaiting PUBREL, and
    the broker rightly drops those PUBLISHes as duplicates [MQTT-4.3.3-9]. Confirmed on PUBACK / PUBCOMP
    (paho's on_publish), also for messages paho resends after a reconnect."""

    window = 64

    def __init__(self, broker, ledger, qos, retain=False):
        self.broker, self.ledger, self.qos, self.retain = broker, ledger, qos, retain
        self.kind = "retained" if retain else f"mqtt-q{qos}"
        self.mids = {}
        self.early = {}
        self.lock = threading.Lock()
        self.confirmed_this_cycle = 0
        self.connected = threading.Event()
        self.client = mqtt_client(f"crashloop-{self.kind}", clean=retain)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.5)
        self.client.on_publish = self.on_publish
        self.client.on_connect = lambda _c, _u, _f, rc, _p: None if rc.is_failure else self.connected.set()
        self.client.on_disconnect = lambda _c, _u, _f, _rc, _p: self.connected.clear()
        self.client.connect("127.0.0.1", broker.ports["mqtt"], keepalive=30)
        self.client.loop_start()

    def publish_some(self, stop):
        """Publishes with at most `window` unconfirmed until `stop` is set (one cycle's load)."""
        while not stop.is_set():
            with self.lock:
                full = len(self.mids) >= self.window
            if full or not self.connected.is_set():
                time.sleep(0.001)
                continue
            sequence = Sequence.take(self.kind)
            topic = f"crashloop/retained/{sequence % RETAINED_TOPICS}" if self.retain else f"{MQTT_TOPIC}/{self.qos}"
            # Not under self.lock: paho calls on_publish holding its own lock, which publish() takes too.
            info = self.client.publish(topic, body(self.kind, sequence), qos=self.qos, retain=self.retain)
            if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                time.sleep(0.01)
                continue
            # With NO_CONN paho keeps the message and sends it after reconnecting.
            with self.lock:
                early = self.early.pop(info.mid, None)
                if early is None:
                    self.mids[info.mid] = sequence
            if early is not None:
                self.settle(sequence, early)

    def on_publish(self, _client, _userdata, mid, reason_code, _properties):
        with self.lock:
            sequence = self.mids.pop(mid, None)
            if sequence is None:
                # Acknowledged before publish() returned its message id.
                self.early[mid] = reason_code.is_failure
                return
        self.settle(sequence, reason_code.is_failure)

    def settle(self, sequence, failed):
        if failed:
            return
        self.ledger.confirm(self.kind, sequence)
        self.confirmed_this_cycle += 1
        if self.retain:
            with self.ledger.lock:
                last = self.ledger.retained_confirmed
                topic = sequence % RETAINED_TOPICS
                last[topic] = max(last.get(topic, -1), sequence)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


class MQTTPublishing(Workload):
    """One cycle's load on a long-lived MQTT publisher."""

    def __init__(self, broker, ledger, cycle, publisher):
        super().__init__(broker, ledger, cycle)
        self.publisher, self.kind = publisher, publisher.kind
        publisher.confirmed_this_cycle = 0

    def work(self):
        self.publisher.publish_some(self.stop)


class MQTTSubscriber:
    """The persistent-session subscriber (QoS 2 on crashloop/mqtt/#): one paho client for the whole run that
    reconnects by itself after every restart, so its in-flight QoS 2 state survives like a real client's.

    It acknowledges each message itself (manual_ack: PUBACK, or PUBCOMP for QoS 2) and every 100 ms sends a
    SUBSCRIBE as a probe: the broker handles a connection's packets in order and writes the burst's acks
    before it flushes the SUBACK, so the SUBACK settles every ack sent before the probe. A message
    redelivered (DUP) after a restart though settled before the kill is an acknowledged message that came
    back; a publisher's own resend after a reconnect arrives without DUP (a legitimate QoS 1 duplicate)."""

    def __init__(self, broker, ledger):
        self.broker, self.ledger = broker, ledger
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=SUBSCRIBER_ID, clean_session=False,
                                  protocol=mqtt.MQTTv311, manual_ack=True)
        self.client.username_pw_set("guest", "guest")
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.5)
        self.client.on_message = self.on_message
        self.client.on_connect = self.on_connect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_disconnect = lambda _c, _u, _f, _rc, _p: self.connected.clear()
        self.acked = []  # (kind, sequence) acknowledged since the last probe was sent
        self.probes = {}  # SUBSCRIBE packet id -> the acks sent before it
        self.stopping = threading.Event()
        self.prober = threading.Thread(target=self.probe, daemon=True)

    def on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if not reason_code.is_failure:
            client.subscribe(MQTT_TOPIC + "/#", qos=2)
            self.connected.set()

    def start(self):
        self.client.connect("127.0.0.1", self.broker.ports["mqtt"], keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(10):
            raise RuntimeError("MQTT subscriber did not connect")
        self.prober.start()

    def on_message(self, client, _userdata, message):
        parsed = parse(message.payload)
        if parsed is None:
            self.ledger.add("mqtt", "corrupted")
        else:
            kind, sequence = parsed
            with self.ledger.lock:
                seen = self.ledger.mqtt_seen.setdefault(kind, {})
                settled = self.ledger.settled.get(kind, {}).get(sequence)
                killed = self.ledger.killed_at
                if message.dup and settled is not None and killed and settled < killed:
                    self.ledger.count(kind, "resurrected")
                    self.ledger.mqtt_back.append((kind, sequence, round(killed - settled, 2), message.mid))
                seen.setdefault(sequence, time.monotonic())
        client.ack(message.mid, message.qos)
        if parsed is not None:
            with self.ledger.lock:
                self.acked.append(parsed)

    def probe(self):
        while not self.stopping.wait(0.1):
            if not self.connected.is_set():
                continue
            with self.ledger.lock:
                batch, self.acked = self.acked, []
                result, mid = self.client.subscribe("crashloop/probe", qos=0)
                if result == mqtt.MQTT_ERR_SUCCESS:
                    self.probes[mid] = batch
                else:
                    self.acked = batch + self.acked

    def on_subscribe(self, _client, _userdata, mid, _reason_codes, _properties):
        now = time.monotonic()
        with self.ledger.lock:
            for kind, sequence in self.probes.pop(mid, []):
                self.ledger.settled.setdefault(kind, {}).setdefault(sequence, now)

    def close(self):
        self.stopping.set()
        self.client.loop_stop()
        self.client.disconnect()


class HTTPPublisher(Workload):
    kind = "http"

    def work(self):
        session = requests.Session()
        session.auth = ("guest", "guest")
        url = f"http://127.0.0.1:{self.broker.ports['http']}/api/v1/exchanges/%2F/amq.default/messages"
        while not self.stop.is_set():
            sequence = Sequence.take(self.kind)
            response = session.post(url, params={"routing_key": HTTP_QUEUE}, data=body(self.kind, sequence),
                                    headers={"X-Persistent": "true"}, timeout=10)
            if 200 <= response.status_code < 300:
                self.confirm(self.kind, sequence)
            else:
                self.ledger.add(self.kind, f"http-{response.status_code}")


def start_all(broker, ledger, cycle, clients):
    """This cycle's workload threads; `clients` are the long-lived MQTT clients from `setup`."""
    running = [MQTTPublishing(broker, ledger, cycle, p) for p in clients if isinstance(p, MQTTPublisher)] + [
        ConfirmingPublisher(broker, ledger, cycle, "classic", CLASSIC),
        ClassicConsumer(broker, ledger, cycle),
        ConfirmingPublisher(broker, ledger, cycle, "stream", STREAM),
        StreamGroupConsumer(broker, ledger, cycle),
        HTTPPublisher(broker, ledger, cycle),
    ]
    for workload in running:
        workload.start()
    return running


def wait_for_confirms(running, timeout):
    """Until every publishing workload has had a message confirmed in this cycle."""
    publishers = [w for w in running if isinstance(w, (ConfirmingPublisher, MQTTPublishing, HTTPPublisher))]

    def confirmed(workload):
        return (workload.publisher if isinstance(workload, MQTTPublishing) else workload).confirmed_this_cycle

    deadline = time.monotonic() + timeout
    while any(confirmed(w) == 0 for w in publishers):
        if time.monotonic() > deadline:
            stuck = [(w.kind, repr(w.error)) for w in publishers if confirmed(w) == 0]
            raise RuntimeError(f"no confirms within {timeout}s from {stuck}")
        time.sleep(0.01)


def stop_all(running):
    for workload in running:
        workload.stop.set()
    for workload in running:
        workload.join(timeout=30)


def drain_queue(broker, ledger, kind, queue):
    """Every message left in `queue`, acked (and settled) so the next cycle starts from an empty queue."""
    connection = pika.BlockingConnection(parameters(broker))
    channel = connection.channel()
    remaining = channel.queue_declare(queue, passive=True).method.message_count
    channel.basic_qos(prefetch_count=1000)
    present, last_tag = set(), None
    if remaining:
        for method, _properties, data in channel.consume(queue, inactivity_timeout=10):
            if method is None:
                break  # the count said more: they are reported missing if they were confirmed
            parsed = parse(data)
            if parsed is None:
                ledger.add(kind, "corrupted")
            else:
                present.add(parsed[1])
                ledger.ack(kind, parsed[1])
            last_tag = method.delivery_tag
            remaining -= 1
            if remaining == 0:
                break
            # Ack as the drain goes: unacked deliveries stop at the prefetch limit, and a queue holding more
            # than the prefetch would stall the drain there (which once read as 'confirmed messages missing').
            if last_tag % 500 == 0:
                channel.basic_ack(last_tag, multiple=True)
        if last_tag is not None:
            channel.basic_ack(last_tag, multiple=True)
        channel.cancel()
    # queue.declare-ok after the ack: the broker has processed it.
    channel.queue_declare(queue, passive=True)
    ledger.settle(kind, present)
    connection.close()
    return present


def verify_queue(broker, ledger, kind, queue, already_present):
    problems = []
    present = drain_queue(broker, ledger, kind, queue)
    with ledger.lock:
        confirmed = set(ledger.confirmed.get(kind, {}))
        acked = set(ledger.acked.get(kind, {})) - present
        lost = confirmed - acked - present - already_present
        back = {s for s in present if ledger.settled_before_kill(kind, s)}
        ledger.count(kind, "lost", len(lost))
        ledger.count(kind, "resurrected", len(back))
        # Everything confirmed so far is accounted for: settle the ledger so later cycles check only new messages.
        ledger.confirmed[kind] = {}
        ledger.acked[kind] = {}
    if lost:
        problems.append(f"{kind}: {len(lost)} confirmed messages missing, e.g. {sorted(lost)[:5]}")
    if back:
        problems.append(f"{kind}: {len(back)} acknowledged messages came back, e.g. {sorted(back)[:5]}")
    return problems


def verify_stream(broker, ledger):
    """Reads the stream from where the last check ended: every confirmed message must be there. Then a group
    member attaches: the group must resume after the last ack settled before the kill."""
    problems = []
    with ledger.lock:
        expected = set(ledger.confirmed.get("stream", {}))
        settled = ledger.settled.get("stream", {})
        must_be_past = max((o for o, at in settled.items() if at < ledger.killed_at - ledger.grace), default=-1)
        settled_age = ledger.killed_at - settled[must_be_past] if must_be_past >= 0 else None
        start = ledger.stream_verified_through
    connection = pika.BlockingConnection(parameters(broker))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=1000)
    seen, last_offset = set(), None
    if expected:
        for method, properties, data in channel.consume(
                STREAM, arguments={"x-stream-offset": start}, inactivity_timeout=5):
            if method is None:
                break
            parsed = parse(data)
            if parsed is None:
                ledger.add("stream", "corrupted")
            else:
                seen.add(parsed[1])
            last_offset = properties.headers["x-stream-offset"]
            channel.basic_ack(method.delivery_tag)
            if expected <= seen:
                break
        channel.cancel()
    group_channel = connection.channel()
    group_channel.basic_qos(prefetch_count=1)
    resumed = None
    for method, properties, _data in group_channel.consume(
            STREAM, arguments={"x-stream-offset": "first", "x-consumer-group": GROUP}, inactivity_timeout=2):
        if method is not None:
            resumed = properties.headers["x-stream-offset"]
        break
    connection.close()
    lost = expected - seen
    with ledger.lock:
        ledger.count("stream", "lost", len(lost))
        ledger.confirmed["stream"] = {}
        if last_offset is not None:
            ledger.stream_verified_through = last_offset + 1
        if resumed is not None:
            # Acks from `resumed` on were rolled back by the kill (checked just below): the group delivers those
            # offsets again and they are settled anew. Their old settle times must go, or a later cycle whose
            # member has not caught up yet would judge the group by an ack from several kills ago.
            for offset in [o for o in settled if o >= resumed]:
                del settled[offset]
    if lost:
        problems.append(f"stream: {len(lost)} confirmed messages missing, e.g. {sorted(lost)[:5]}")
    if resumed is not None and resumed <= must_be_past:
        # The committed offset is written by the group commit, not before the ack is answered: an ack the
        # commit had not covered at the kill comes back (at-least-once). Anything older than the stream
        # grace (10x the ack grace) would be a lost commit rather than a slow one.
        ledger.add("stream", "resurrected", must_be_past - resumed + 1)
        ledger.stream_back.append((resumed, must_be_past, round(settled_age, 2)))
        if settled_age > 10 * ledger.grace:
            problems.append(f"stream group resumed at offset {resumed}, at or before ack {must_be_past} "
                            f"settled {settled_age:.1f} s before the kill")
    return problems


def verify_mqtt(broker, ledger):
    """The long-lived subscriber reconnects by itself; every confirmed QoS 1 and QoS 2 publish must reach it."""
    problems = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with ledger.lock:
            missing = {k: set(ledger.confirmed.get(k, {})) - set(ledger.mqtt_seen.get(k, {}))
                       for k in ("mqtt-q1", "mqtt-q2")}
        if not any(missing.values()):
            break
        time.sleep(0.05)
    with ledger.lock:
        for kind, lost in missing.items():
            ledger.count(kind, "lost", len(lost))
            ledger.confirmed[kind] = {}
            if lost:
                problems.append(f"{kind}: {len(lost)} confirmed messages never delivered, e.g. {sorted(lost)[:5]}")
    return problems


def verify_retained(broker, ledger):
    with ledger.lock:
        expected = dict(ledger.retained_confirmed)
        ledger.confirmed["retained"] = {}
    got, done = {}, threading.Event()
    client = mqtt_client(f"crashloop-check-{uuid.uuid4().hex[:8]}", clean=True)

    def on_message(_c, _u, message):
        parsed = parse(message.payload)
        if parsed is None:
            ledger.add("retained", "corrupted")
        else:
            got[int(message.topic.rsplit("/", 1)[1])] = parsed[1]
        if len(got) >= len(expected):
            done.set()

    client.on_message = on_message
    client.on_connect = lambda c, _u, _f, _rc, _p: c.subscribe("crashloop/retained/#", qos=1)
    client.connect("127.0.0.1", broker.ports["mqtt"], keepalive=30)
    client.loop_start()
    done.wait(10)
    client.loop_stop()
    client.disconnect()
    stale = {t: (got.get(t), s) for t, s in expected.items() if got.get(t, -1) < s}
    ledger.add("retained", "lost", len(stale))
    return [f"retained: topics older than their last confirmed publish {stale}"] if stale else []


def verify_all(broker, ledger):
    problems = []
    problems += verify_queue(broker, ledger, "classic", CLASSIC, set())
    problems += verify_queue(broker, ledger, "http", HTTP_QUEUE, set())
    problems += verify_stream(broker, ledger)
    problems += verify_mqtt(broker, ledger)
    problems += verify_retained(broker, ledger)
    return problems


def big_restart(broker, gigabytes):
    """Fills a durable queue with `gigabytes` of confirmed persistent messages, kills the broker and
    times the restart: listeners up, and the first message of that queue consumed."""
    bench = broker.binary.rsplit("/", 1)[0] + "/junction-bench"
    size = 64 * 1024
    count = int(gigabytes * (1 << 30) / size)
    subprocess.run([bench, "amqp", "--port", str(broker.amqp), "--queue", "crashloop.big", "--persistent",
                    "--confirm", "--consumers", "0", "--size", str(size), "--count", str(count), "--batch", "10"],
                   check=True, stdout=subprocess.DEVNULL)
    data = subprocess.run(["du", "-sb", broker.data_dir], capture_output=True, text=True).stdout.split()[0]
    broker.kill()
    listeners = broker.start(timeout=600)
    began = time.monotonic()
    connection = pika.BlockingConnection(parameters(broker))
    channel = connection.channel()
    declared = channel.queue_declare("crashloop.big", passive=True)
    method, _p, _b = channel.basic_get("crashloop.big", auto_ack=True)
    first = time.monotonic() - began
    connection.close()
    return (f"Restart with {int(data) / (1 << 30):.2f} GiB on disk ({count:,} messages of {size // 1024} KiB "
            f"in one durable queue): listeners up after {listeners:.2f} s, queue reports "
            f"{declared.method.message_count:,} messages, first message consumed {first:.2f} s later"
            + ("" if method else " (NO MESSAGE)") + ".")
