#!/usr/bin/env python3
"""The Markdown table of bench/priority.sh's records: per scenario, each broker's delivered msg/s per
run, the medians, Junction/RabbitMQ, and broker CPU µs per message (medians).

    python3 bench/priority_report.py bench/results/<date>-priority.jsonl
"""

import json
import statistics
import sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
scenarios = []
runs = {}
for record in records:
    scenario, broker = record["scenario"].rsplit("-", 1)
    if scenario not in scenarios:
        scenarios.append(scenario)
    runs.setdefault((scenario, broker), []).append(record)

print("| scenario | Junction msg/s (runs) | RabbitMQ msg/s (runs) | median Junction | median RabbitMQ | Junction / RabbitMQ "
      "| broker CPU µs/msg J · R | lost / duplicated (J · R) |")
print("|---|---|---|---|---|---|---|---|")
for scenario in scenarios:
    junction, rabbit = runs.get((scenario, "junction"), []), runs.get((scenario, "rabbitmq"), [])
    if not junction or not rabbit:
        continue
    def rates(rs):
        return " · ".join(f"{r['receiveRate']:,.0f}" for r in rs)
    j = statistics.median(r["receiveRate"] for r in junction)
    r = statistics.median(r["receiveRate"] for r in rabbit)
    jc = statistics.median(x.get("brokerCPUMicrosecondsPerMessage", float("nan")) for x in junction)
    rc = statistics.median(x.get("brokerCPUMicrosecondsPerMessage", float("nan")) for x in rabbit)
    loss = lambda rs: f"{sum(x['lost'] for x in rs)}/{sum(x['duplicates'] for x in rs)}"
    print(f"| {scenario} | {rates(junction)} | {rates(rabbit)} | {j:,.0f} | {r:,.0f} | {j / r:.1f}× "
          f"| {jc:.1f} · {rc:.1f} | {loss(junction)} · {loss(rabbit)} |")
