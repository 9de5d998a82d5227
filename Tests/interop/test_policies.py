"""Policies and operator policies (RabbitMQ's management API shapes) with requests, pika and kombu:
applied at once to queues that already exist, arguments against policies, operator caps,
permissions (policymaker), definitions export/import and a restart."""

import kombu
import pika
import pytest
import requests

from helpers import get_one, wait_until

pytestmark = [pytest.mark.junction_only, pytest.mark.timeout(60)]

GUEST = ("guest", "guest")


def api(broker, method, path, auth=GUEST, **kwargs):
    return requests.request(method, broker.http_url(path), auth=auth, timeout=10, **kwargs)


def put_policy(broker, name, pattern, definition, kind="policies", **extra):
    body = {"pattern": pattern, "definition": definition, **extra}
    return api(broker, "PUT", f"/api/{kind}/%2F/{name}", json=body)


def queue_info(broker, queue):
    return api(broker, "GET", f"/api/queues/%2F/{queue}").json()


def test_a_policy_applies_at_once_to_a_queue_that_already_exists(broker, channel, unique):
    queue = unique("existing")
    channel.queue_declare(queue=queue)
    for index in range(5):
        channel.basic_publish(exchange="", routing_key=queue, body=f"m{index}".encode())
    wait_until(lambda: queue_info(broker, queue)["messages_ready"] == 5, 5)
    name = unique("limit")
    assert put_policy(broker, name, f"^{queue}$", {"max-length": 2}, **{"apply-to": "queues"}).status_code == 201
    info = queue_info(broker, queue)
    assert info["policy"] == name and info["operator_policy"] is None
    assert info["effective_policy_definition"] == {"max-length": 2}
    assert channel.queue_declare(queue=queue, passive=True).method.message_count == 2
    assert [get_one(channel, queue)[2] for _ in range(2)] == [b"m3", b"m4"]
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 204
    assert queue_info(broker, queue)["policy"] is None


def test_policy_crud_in_rabbitmq_shape(broker, unique):
    name = unique("crud")
    assert put_policy(broker, name, "^crud-", {"message-ttl": 1000}, priority=4).status_code == 201
    assert put_policy(broker, name, "^crud-", {"message-ttl": 2000}, priority=5).status_code == 204
    expected = {"vhost": "/", "name": name, "pattern": "^crud-", "apply-to": "all",
                "definition": {"message-ttl": 2000}, "priority": 5}
    assert api(broker, "GET", f"/api/policies/%2F/{name}").json() == expected
    assert expected in api(broker, "GET", "/api/policies").json()
    assert expected in api(broker, "GET", "/api/policies/%2F").json()
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 204
    assert api(broker, "GET", f"/api/policies/%2F/{name}").status_code == 404
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 404


@pytest.mark.parametrize("body", [
    {"pattern": ".*", "definition": {"ha-mode": "all"}},
    {"pattern": ".*", "definition": {"max-length": "ten"}},
    {"pattern": ".*", "definition": {"overflow": "explode"}},
    {"pattern": ".*", "definition": {"max-length": 1}, "apply-to": "everything"},
    {"pattern": "(", "definition": {"max-length": 1}},
    {"definition": {"max-length": 1}},
    {"pattern": ".*"},
])
def test_invalid_policies_are_refused_with_400(broker, unique, body):
    name = unique("bad")
    response = api(broker, "PUT", f"/api/policies/%2F/{name}", json=body)
    assert response.status_code == 400, response.text
    assert api(broker, "GET", f"/api/policies/%2F/{name}").status_code == 404


def test_arguments_against_policies_and_operator_caps(broker, channel, unique):
    queue = unique("capped")
    channel.queue_declare(queue=queue, arguments={"x-max-length": 10, "x-dead-letter-exchange": "mine"})
    user_policy, cap = unique("user"), unique("cap")
    assert put_policy(broker, user_policy, f"^{queue}$",
                      {"max-length": 50, "dead-letter-exchange": "theirs", "expires": 600000}).status_code == 201
    assert put_policy(broker, cap, f"^{queue}$", {"max-length": 3}, kind="operator-policies").status_code == 201
    info = queue_info(broker, queue)
    assert info["policy"] == user_policy and info["operator_policy"] == cap
    assert info["effective_policy_definition"] == {
        "dead-letter-exchange": "theirs", "expires": 600000, "max-length": 3}
    for index in range(5):
        channel.basic_publish(exchange="", routing_key=queue, body=b"x")
    wait_until(lambda: queue_info(broker, queue)["messages_ready"] == 3, 5)
    # Operator policies only take limits.
    assert put_policy(broker, unique("op"), ".*", {"dead-letter-exchange": "x"},
                      kind="operator-policies").status_code == 400
    for name, kind in ((user_policy, "policies"), (cap, "operator-policies")):
        assert api(broker, "DELETE", f"/api/{kind}/%2F/{name}").status_code == 204


def test_dead_lettering_and_ttl_set_by_policy_with_kombu_and_pika(broker, channel, unique):
    work, dead = unique("work"), unique("dead")
    channel.queue_declare(queue=dead)
    name = unique("dlx")
    assert put_policy(broker, name, f"^{work}$",
                      {"message-ttl": 200, "dead-letter-exchange": "", "dead-letter-routing-key": dead}).status_code == 201
    with kombu.Connection(broker.url(), transport="pyamqp", connect_timeout=10) as connection:
        simple = connection.SimpleQueue(work, queue_opts={"durable": False})
        simple.put({"job": 1})
        simple.close()
    method, _, body = get_one(channel, dead, timeout=10)
    assert b'"job": 1' in body
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 204


def test_policies_need_policymaker_or_administrator(broker, unique):
    for tags, policy_status, operator_status in (("management", 403, 403), ("policymaker", 201, 403)):
        user = unique(tags)
        assert api(broker, "PUT", f"/api/users/{user}", json={"password": "pw", "tags": tags}).status_code == 201
        assert api(broker, "PUT", f"/api/permissions/%2F/{user}",
                   json={"configure": ".*", "write": ".*", "read": ".*"}).status_code == 204
        auth = (user, "pw")
        name = unique(f"by-{tags}")
        response = api(broker, "PUT", f"/api/policies/%2F/{name}", auth=auth,
                       json={"pattern": "^nothing$", "definition": {"max-length": 1}})
        assert response.status_code == policy_status
        assert api(broker, "GET", "/api/policies", auth=auth).status_code == (200 if policy_status == 201 else 403)
        response = api(broker, "PUT", f"/api/operator-policies/%2F/{name}", auth=auth,
                       json={"pattern": "^nothing$", "definition": {"max-length": 1}})
        assert response.status_code == operator_status
        api(broker, "DELETE", f"/api/policies/%2F/{name}")
        assert api(broker, "DELETE", f"/api/users/{user}").status_code == 204


def test_definitions_carry_policies(broker, unique):
    name = unique("exported")
    assert put_policy(broker, name, "^exported-", {"max-length": 7}, priority=2).status_code == 201
    document = api(broker, "GET", "/api/definitions").json()
    exported = [p for p in document["policies"] if p["name"] == name]
    assert exported == [{"vhost": "/", "name": name, "pattern": "^exported-", "apply-to": "all",
                         "definition": {"max-length": 7}, "priority": 2}]
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 204
    imported = {"policies": [dict(exported[0], definition={"max-length": 8})]}
    assert api(broker, "POST", "/api/definitions", json=imported).status_code == 204
    assert api(broker, "GET", f"/api/policies/%2F/{name}").json()["definition"] == {"max-length": 8}
    refused = {"policies": [dict(exported[0], definition={"no-such-key": 1})]}
    assert api(broker, "POST", "/api/definitions", json=refused).status_code == 400
    assert api(broker, "DELETE", f"/api/policies/%2F/{name}").status_code == 204


def test_policies_survive_a_restart(own_broker):
    with own_broker.connect() as connection:
        channel = connection.channel()
        channel.queue_declare(queue="kept", durable=True)
    assert put_policy(own_broker, "limit", "^kept$", {"max-length": 1}).status_code == 201
    assert put_policy(own_broker, "cap", ".*", {"message-ttl": 60000}, kind="operator-policies").status_code == 201
    own_broker.restart()
    info = queue_info(own_broker, "kept")
    assert info["policy"] == "limit" and info["operator_policy"] == "cap"
    assert info["effective_policy_definition"] == {"max-length": 1, "message-ttl": 60000}
    with own_broker.connect() as connection:
        channel = connection.channel()
        for body in (b"a", b"b"):
            channel.basic_publish(exchange="", routing_key="kept", body=body,
                                  properties=pika.BasicProperties(delivery_mode=2))
        assert get_one(channel, "kept")[2] == b"b"
