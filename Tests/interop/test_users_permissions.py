"""Users, permissions and topic permissions (RabbitMQ's model) through the management API with
requests and pika: RabbitMQ-format password hashes (checked here with hashlib), definitions
import/export, and persistence across a restart."""

import base64
import hashlib
import os

import pika
import pika.exceptions
import pytest
import requests

pytestmark = pytest.mark.junction_only

GUEST = ("guest", "guest")


def rabbit_hash(password, salt=None):
    """rabbit_password_hashing_sha256, computed the way RabbitMQ does it."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def hash_matches(password, encoded):
    raw = base64.b64decode(encoded)
    return len(raw) == 36 and hashlib.sha256(raw[:4] + password.encode()).digest() == raw[4:]


def api(broker, method, path, auth=GUEST, **kwargs):
    return requests.request(method, broker.http_url(path), auth=auth, timeout=10, **kwargs)


def login(broker, user, password, vhost="/"):
    return pika.BlockingConnection(
        broker.connection_parameters(credentials=pika.PlainCredentials(user, password), virtual_host=vhost)
    )


def test_a_user_put_with_a_password_is_stored_as_a_rabbitmq_hash(broker, unique):
    name = unique("alice")
    assert api(broker, "PUT", f"/api/users/{name}", json={"password": "s3cret", "tags": "monitoring"}).status_code == 201
    assert api(broker, "PUT", f"/api/permissions/%2F/{name}",
               json={"configure": ".*", "write": ".*", "read": ".*"}).status_code == 204
    user = api(broker, "GET", f"/api/users/{name}").json()
    assert "password" not in user
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert user["tags"] == ["monitoring"]
    assert hash_matches("s3cret", user["password_hash"])
    login(broker, name, "s3cret").close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        login(broker, name, "wrong")
    # Updating the tags alone keeps the password; a new password replaces it at once.
    assert api(broker, "PUT", f"/api/users/{name}", json={"tags": ["management"]}).status_code == 204
    login(broker, name, "s3cret").close()
    assert api(broker, "PUT", f"/api/users/{name}", json={"password": "n3w", "tags": ""}).status_code == 204
    login(broker, name, "n3w").close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        login(broker, name, "s3cret")
    assert api(broker, "DELETE", f"/api/users/{name}").status_code == 204
    assert api(broker, "GET", f"/api/users/{name}").status_code == 404
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        login(broker, name, "n3w")


def test_permissions_and_topic_permissions_round_trip(broker, unique):
    name = unique("bob")
    api(broker, "PUT", f"/api/users/{name}", json={"password_hash": rabbit_hash("pw"), "tags": []})
    body = {"configure": "^bob\\.", "write": "^amq\\.topic$", "read": ""}
    assert api(broker, "PUT", f"/api/permissions/%2F/{name}", json=body).status_code == 204
    got = api(broker, "GET", f"/api/permissions/%2F/{name}").json()
    assert got == {"user": name, "vhost": "/", **body}
    assert got in api(broker, "GET", "/api/permissions").json()
    topic = {"exchange": "amq.topic", "write": "^sensors\\.{username}\\.", "read": ".*"}
    assert api(broker, "PUT", f"/api/topic-permissions/%2F/{name}", json=topic).status_code == 204
    assert api(broker, "GET", f"/api/topic-permissions/%2F/{name}").json() == [{"user": name, "vhost": "/", **topic}]
    assert api(broker, "DELETE", f"/api/topic-permissions/%2F/{name}").status_code == 204
    assert api(broker, "GET", f"/api/topic-permissions/%2F/{name}").status_code == 404
    assert api(broker, "DELETE", f"/api/permissions/%2F/{name}").status_code == 204
    assert api(broker, "GET", f"/api/permissions/%2F/{name}").status_code == 404
    api(broker, "DELETE", f"/api/users/{name}")


@pytest.mark.parametrize("path,body", [
    ("/api/users/{u}", {"password_hash": "plaintext", "tags": ""}),
    ("/api/users/{u}", {"password_hash": "AAAA", "hashing_algorithm": "rabbit_password_hashing_md5"}),
    ("/api/permissions/%2F/{u}", {"configure": "(", "write": "", "read": ""}),
    ("/api/permissions/%2F/{u}", {"configure": ".*"}),
    ("/api/permissions/%2F/nobody-at-all", {"configure": "", "write": "", "read": ""}),
    ("/api/topic-permissions/%2F/{u}", {"exchange": "amq.topic", "write": "[", "read": ""}),
])
def test_bad_users_and_permissions_are_refused_with_400(broker, unique, path, body):
    name = unique("carol")
    api(broker, "PUT", f"/api/users/{name}", json={"password": "pw", "tags": ""})
    response = api(broker, "PUT", path.format(u=name), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request" or response.json()["error"] == "precondition_failed"
    api(broker, "DELETE", f"/api/users/{name}")


def test_users_and_permissions_need_the_administrator_tag(broker, unique):
    name = unique("monitor")
    api(broker, "PUT", f"/api/users/{name}", json={"password": "pw", "tags": "monitoring"})
    api(broker, "PUT", f"/api/permissions/%2F/{name}", json={"configure": ".*", "write": ".*", "read": ".*"})
    for path in ["/api/users", f"/api/users/{name}", "/api/permissions", f"/api/permissions/%2F/{name}"]:
        assert api(broker, "GET", path, auth=(name, "pw")).status_code == 403
    assert api(broker, "PUT", f"/api/users/{name}x", auth=(name, "pw"), json={"password": "x"}).status_code == 403
    api(broker, "DELETE", f"/api/users/{name}")


def test_a_rabbitmq_exported_user_imports_and_logs_in(broker, unique):
    """A definitions document shaped like RabbitMQ 3.12's export (hash only, with its algorithm)."""
    name, vhost = unique("imported"), unique("vh")
    definitions = {
        "rabbit_version": "3.12.13",
        "users": [{"name": name, "password_hash": rabbit_hash("from-rabbit"),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["management"], "limits": {}}],
        "vhosts": [{"name": vhost, "limits": [], "metadata": {"description": "", "tags": []}}],
        "permissions": [{"user": name, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}],
        "topic_permissions": [{"user": name, "vhost": vhost, "exchange": "amq.topic", "write": "^a\\.", "read": ".*"}],
        "queues": [], "exchanges": [], "bindings": [], "parameters": [], "policies": [], "global_parameters": [],
    }
    assert api(broker, "POST", "/api/definitions", json=definitions).status_code == 204
    connection = login(broker, name, "from-rabbit", vhost=vhost)
    channel = connection.channel()
    channel.queue_declare(queue="works")
    connection.close()
    exported = api(broker, "GET", "/api/definitions").json()
    user = next(u for u in exported["users"] if u["name"] == name)
    assert user["password_hash"] == definitions["users"][0]["password_hash"]
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert "password" not in user
    assert definitions["permissions"][0] in exported["permissions"]
    assert definitions["topic_permissions"][0] in exported["topic_permissions"]
    assert api(broker, "DELETE", f"/api/vhosts/{vhost}").status_code == 204
    assert api(broker, "DELETE", f"/api/users/{name}").status_code == 204


def test_guest_is_bootstrapped_with_a_hash_and_full_permissions_on_the_default_vhost(broker):
    guest = api(broker, "GET", "/api/users/guest").json()
    assert hash_matches("guest", guest["password_hash"])
    assert guest["tags"] == ["administrator"]
    assert api(broker, "GET", "/api/permissions/%2F/guest").json() == {
        "user": "guest", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}


def test_users_and_permissions_survive_a_restart(own_broker):
    api(own_broker, "PUT", "/api/users/dora", json={"password": "explorer", "tags": ["management"]})
    api(own_broker, "PUT", "/api/vhosts/maps")
    api(own_broker, "PUT", "/api/permissions/maps/dora", json={"configure": "^d", "write": "^d", "read": "^d"})
    api(own_broker, "PUT", "/api/topic-permissions/maps/dora", json={"exchange": "amq.topic", "write": "^x", "read": "^y"})
    # guest's password changed through the API stays changed: the configuration only bootstraps.
    api(own_broker, "PUT", "/api/users/guest", json={"password": "changed", "tags": ["administrator"]})
    own_broker.restart()
    admin = ("guest", "changed")
    assert api(own_broker, "GET", "/api/users/dora", auth=admin).json()["tags"] == ["management"]
    assert api(own_broker, "GET", "/api/permissions/maps/dora", auth=admin).json()["configure"] == "^d"
    assert api(own_broker, "GET", "/api/topic-permissions/maps/dora", auth=admin).json()[0]["read"] == "^y"
    assert api(own_broker, "GET", "/api/whoami", auth=GUEST).status_code == 401
    login(own_broker, "dora", "explorer", vhost="maps").close()


def test_deleting_a_user_closes_its_connections(broker, unique):
    name = unique("leaving")
    assert api(broker, "PUT", f"/api/users/{name}", json={"password": "pw", "tags": ""}).status_code == 201
    assert api(broker, "PUT", f"/api/permissions/%2F/{name}",
               json={"configure": ".*", "write": ".*", "read": ".*"}).status_code in (201, 204)
    connection = login(broker, name, "pw")
    other = broker.connect()
    assert api(broker, "DELETE", f"/api/users/{name}").status_code == 204
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as closed:
        for _ in range(100):
            connection.process_data_events(time_limit=0.1)
    assert closed.value.reply_code == 320
    assert "deleted" in closed.value.reply_text
    # Another user's connection is untouched.
    other.channel().queue_declare("", exclusive=True)
    other.close()
