"""What the SQS interop test files share: the endpoint (Junction's SQS port, or another SQS implementation
named by JUNCTION_SQS_ENDPOINT), a boto3 client, and the error code of a refused call."""

import os

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

# JUNCTION_SQS_ENDPOINT=http://127.0.0.1:5000 runs the SQS-only tests against another SQS implementation
# (moto_server), to check the tests themselves; the tests of Junction's own behaviour are skipped then.
OTHER_ENDPOINT = os.environ.get("JUNCTION_SQS_ENDPOINT")
junction_only = pytest.mark.skipif(bool(OTHER_ENDPOINT), reason="Junction behaviour (broker, protocols, keys)")
needs_sqs_port = pytest.mark.skipif(
    bool(os.environ.get("JUNCTION_INTEROP_BROKER")), reason="needs the broker's SQS port (a broker of this suite)")
ACCOUNT = os.environ.get("JUNCTION_SQS_ACCOUNT", "000000000000")


def endpoint(broker):
    return OTHER_ENDPOINT or f"http://127.0.0.1:{broker.sqs_port}"


def client(broker, key="guest", secret="guest"):
    return boto3.client(
        "sqs", endpoint_url=endpoint(broker), region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def error_code(call):
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]
