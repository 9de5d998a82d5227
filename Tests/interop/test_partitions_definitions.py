"""A partitioned stream declared through the management API (`PUT /api/queues`) exports as its
queue, partitions, `x-partition` exchange and bindings, and a definitions import into another
broker rebuilds a working partitioned stream from them (issue 14)."""

import pytest
import requests

from test_partitions import KEYS, Member, bodies, publish_round, pump

pytestmark = [pytest.mark.timeout(60), pytest.mark.junction_only]

AUTH = ("guest", "guest")


def test_http_declare_export_and_import_a_partitioned_stream(broker, own_broker, unique):
    stream = unique("defs")
    declared = requests.put(
        broker.http_url(f"/api/queues/%2F/{stream}"), auth=AUTH, timeout=10,
        json={"durable": True, "arguments": {"x-queue-type": "stream", "x-partitions": 3, "x-max-age": "1D"}})
    assert declared.status_code == 201
    again = requests.put(
        broker.http_url(f"/api/queues/%2F/{stream}"), auth=AUTH, timeout=10,
        json={"durable": True, "arguments": {"x-queue-type": "stream", "x-partitions": 2, "x-max-age": "1D"}})
    assert again.status_code == 400 or again.status_code == 406
    shown = requests.get(broker.http_url(f"/api/queues/%2F/{stream}"), auth=AUTH, timeout=10).json()
    assert shown["type"] == "stream" and shown["partitions"] == [f"{stream}-{i}" for i in range(3)]
    exported = requests.get(broker.http_url("/api/definitions"), auth=AUTH, timeout=10).json()
    names = {f"{stream}-{i}" for i in range(3)} | {stream}
    document = {
        "queues": [q for q in exported["queues"] if q["name"] in names],
        "exchanges": [e for e in exported["exchanges"] if e["name"] == stream],
        "bindings": [b for b in exported["bindings"] if b["source"] == stream],
    }
    assert len(document["queues"]) == 4 and document["exchanges"][0]["type"] == "x-partition"
    assert sorted(b["routing_key"] for b in document["bindings"]) == ["0", "1", "2"]
    imported = requests.post(own_broker.http_url("/api/definitions"), auth=AUTH, timeout=10, json=document)
    assert imported.status_code in (200, 201, 204)
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.confirm_delivery()
        publish_round(channel, stream, 0)
    member = Member(own_broker, stream, "g")
    pump([member], lambda: len(member.received) >= 30)
    assert sorted(bodies([member])) == sorted(f"{key}:0" for key in KEYS)
    assert {partition for partition, _, _, _ in member.received} == {0, 1, 2}
    member.close()
