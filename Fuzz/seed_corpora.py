#!/usr/bin/env python3
"""Seeds Fuzz/.corpus/<target>/ for scripts/fuzz: the golden vectors in protocols/*/vectors turned into the
input each target reads (whole streams, method and content-header payloads, field tables, STOMP streams with
their version and read-size bytes), plus the committed seeds in Fuzz/Seeds/<target>/ (`.hex` files are hex
with `#` comments, others raw bytes).

    Fuzz/seed_corpora.py ROOT TARGET...
"""
import os, re, sys

root, targets = sys.argv[1], sys.argv[2:]

def hex_bytes(path):
    text = "".join(line.split("#", 1)[0] for line in open(path))
    return bytes.fromhex(re.sub(r"\s+", "", text))

def vectors(protocol):
    directory = os.path.join(root, "protocols", protocol, "vectors")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".hex"):
            yield name[:-4], hex_bytes(os.path.join(directory, name))

def amqp_frames(data):
    if data.startswith(b"AMQP"):
        data = data[8:]
    while len(data) >= 8:
        size = int.from_bytes(data[3:7], "big")
        yield data[0], data[7:7 + size]
        data = data[8 + size:]

seeds = {t: {} for t in targets}
def add(target, name, data):
    if target in seeds:
        seeds[target][name] = data

for name, data in vectors("amqp-0-9-1"):
    add("FuzzAMQPFrame", name, data)
    for index, (kind, payload) in enumerate(amqp_frames(data)):
        if kind == 1:
            add("FuzzAMQPMethod", f"{name}-{index}", payload)
            if payload[:4] in (b"\x00\x0a\x00\x0b", b"\x00\x0a\x00\x0a"):
                # connection.start-ok: its client-properties table follows the class and method ids.
                size = int.from_bytes(payload[4:8], "big")
                add("FuzzAMQPFieldTable", f"{name}-{index}", payload[4:8 + size])
        elif kind == 2:
            add("FuzzAMQPContentHeader", f"{name}-{index}", payload)
for name, data in vectors("mqtt"):
    add("FuzzMQTT5Packet" if "-v5-" in name else "FuzzMQTT311Packet", name, data)
for name, data in vectors("stomp"):
    version = {"1.0": 0, "1.1": 1, "1.2": 2}[name.split("-")[1]]
    add("FuzzSTOMPFrame", name, bytes([version, 255]) + data)
    add("FuzzSTOMPFrame", name + "-reads", bytes([version, 7]) + data)
for target in targets:
    directory = os.path.join(root, "Fuzz", "Seeds", target)
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            add(target, name, hex_bytes(path) if name.endswith(".hex") else open(path, "rb").read())
for target, files in seeds.items():
    directory = os.path.join(root, "Fuzz", ".corpus", target)
    os.makedirs(directory, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(directory, "seed-" + name), "wb") as f:
            f.write(data)
