#!/usr/bin/env python3
"""Turns the JSON records of bench/run into bench/results/<date>.md and PNG charts.

usage: bench/plot.py RAW_DIR OUTPUT_PREFIX
RAW_DIR holds <broker>.jsonl (one junction-bench --json record per line) and environment.txt;
writes OUTPUT_PREFIX.md, OUTPUT_PREFIX-throughput.png and OUTPUT_PREFIX-latency.png.
Repeated runs of a scenario are summarised by their median (rate and each percentile separately).
"""
import json
import os
import statistics
import sys

PEERS = ["rabbitmq", "mosquitto"]
BROKERS = PEERS + ["junction"]
COLORS = {"rabbitmq": "tab:orange", "mosquitto": "tab:blue", "junction": "tab:green"}
PERCENTILES = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p999", "p99.9"), ("max", "max")]


def load(raw):
    runs = {}
    for broker in BROKERS:
        path = os.path.join(raw, broker + ".jsonl")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    runs.setdefault((broker, record["scenario"]), []).append(record)
    return runs


def load_memory(raw):
    """bench/memory.py's figures: {broker: {figure name: record}} (the last record of each wins)."""
    path = os.path.join(raw, "memory.jsonl")
    figures = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    figures.setdefault(record["broker"], {})[record["figure"]] = record
    return figures


def cpu_per_message(records):
    values = [r["brokerCPUMicrosecondsPerMessage"] for r in records if r.get("brokerCPUMicrosecondsPerMessage")]
    return statistics.median(values) if values else None


def rate(record):
    """Publish-only runs have no consumers: their figure is the publish rate."""
    return record["sendRate"] if record["consumers"] == 0 else record["receiveRate"]


def summary(records):
    result = {"rate": statistics.median(rate(r) for r in records), "runs": len(records),
              "lost": sum(r["lost"] for r in records), "duplicates": sum(r["duplicates"] for r in records),
              "reordered": sum(r["reordered"] for r in records)}
    for key, _ in PERCENTILES:
        result[key] = statistics.median(r[key] for r in records)
    return result


def scenarios_in_order(runs):
    seen = []
    for broker, scenario in runs:
        if scenario not in seen:
            seen.append(scenario)
    return seen


def fmt_rate(value):
    return f"{value:,.0f}"


def fmt_us(value):
    return f"{value / 1000:.1f}" if value >= 1000 else f"{value / 1000:.2f}"


def integrity(s):
    parts = [f"{name} {s[key]}" for key, name in [("lost", "lost"), ("duplicates", "dup"), ("reordered", "reord")]
             if s[key]]
    return ", ".join(parts) if parts else "ok"


def write_markdown(runs, raw, prefix, failures):
    scenarios = scenarios_in_order(runs)
    base = os.path.basename(prefix)
    lines = [f"# Junction vs RabbitMQ and Mosquitto — {base}", ""]
    env = os.path.join(raw, "environment.txt")
    if os.path.exists(env):
        lines += ["```", open(env).read().strip(), "```", ""]
    lines += [
        "Produced by `bench/run` (scenarios in `bench/scenarios.sh`, raw records in "
        f"`bench/results/{base}/`). Each broker ran alone, on loopback, one after another; "
        "`junction-bench` (one event loop per run) was the client for all of them. Rates are delivered "
        "messages per second (publish rate for publish-only runs); latency is end-to-end (publish to "
        "delivery) in milliseconds. Scenarios with several runs show medians. "
        "ratio = Junction / peer (above 1: Junction faster; for latency, below 1 is better).",
        "",
        "| scenario | peer | runs | peer msg/s | Junction msg/s | ratio | peer p50 / p99 ms | Junction p50 / p99 ms | peer check | Junction check |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in scenarios:
        junction = runs.get(("junction", scenario))
        j = summary(junction) if junction else None
        for peer in PEERS:
            records = runs.get((peer, scenario))
            if not records:
                continue
            p = summary(records)
            ratio = f"{j['rate'] / p['rate']:.2f}" if j and p["rate"] else "—"
            published_only = records[0]["consumers"] == 0
            lines.append(
                f"| {scenario} | {peer} | {p['runs']}/{j['runs'] if j else 0} | {fmt_rate(p['rate'])} | "
                f"{fmt_rate(j['rate']) if j else 'failed'} | {ratio} | "
                f"{'—' if published_only else fmt_us(p['p50']) + ' / ' + fmt_us(p['p99'])} | "
                f"{(fmt_us(j['p50']) + ' / ' + fmt_us(j['p99'])) if j and not published_only else '—'} | {integrity(p)} | "
                f"{integrity(j) if j else '—'} |")
    latency = [s for s in scenarios if s.startswith("latency")]
    if latency:
        lines += ["", "## Latency under fixed load (ms)", "",
                  "| scenario | broker | " + " | ".join(name for _, name in PERCENTILES) + " | msg/s |",
                  "|---|---|" + "---|" * (len(PERCENTILES) + 1)]
        for scenario in latency:
            for broker in BROKERS:
                records = runs.get((broker, scenario))
                if records:
                    s = summary(records)
                    lines.append(f"| {scenario} | {broker} | " + " | ".join(fmt_us(s[k]) for k, _ in PERCENTILES)
                                 + f" | {fmt_rate(s['rate'])} |")
    cpu_rows = []
    for scenario in scenarios:
        if scenario.startswith("latency"):
            continue
        j = cpu_per_message(runs.get(("junction", scenario), []))
        for peer in PEERS:
            p = cpu_per_message(runs.get((peer, scenario), []))
            if p is not None and j is not None:
                cpu_rows.append(f"| {scenario} | {peer} | {p:.2f} | {j:.2f} | {p / j:.2f} |")
    if cpu_rows:
        lines += ["", "## Broker CPU per message (µs, median of runs; lower is better)", "",
                  "The broker process's user + system CPU time (all threads, from `/proc/<pid>/stat`) from the "
                  "first publish to the last delivery, per delivered message (per published message for "
                  "publish-only runs): what each broker spends, whatever the shared client costs. "
                  "ratio = peer / Junction (above 1: Junction spends less).", "",
                  "| scenario | peer | peer µs/msg | Junction µs/msg | ratio |", "|---|---|---|---|---|"] + cpu_rows
    memory = load_memory(raw)
    if memory:
        lines += ["", "## Memory (bench/memory.py, freshly started broker)", "",
                  "| broker | idle MQTT connection | connections | 10,000 queued 1 KiB transient messages: RSS growth | × payload |",
                  "|---|---|---|---|---|"]
        for broker in BROKERS:
            figures = memory.get(broker, {})
            if not figures:
                continue
            idle = figures.get("idle-mqtt-connection")
            queued = figures.get("queued-transient-messages")
            idle_cost = "%.1f KiB" % (idle["bytesPerConnection"] / 1024) if idle else "—"
            idle_count = str(idle["connections"]) if idle else "—"
            growth = "%.1f MB" % ((queued["rssAfter"] - queued["rssBefore"]) / 1e6) if queued else "—"
            per_byte = "%.2f" % queued["rssPerPayloadByte"] if queued else "—"
            lines.append(f"| {broker} | {idle_cost} | {idle_count} | {growth} | {per_byte} |")
    notes = os.path.join(raw, "notes.md")
    if os.path.exists(notes):
        lines += ["", open(notes).read().strip()]
    if failures:
        lines += ["", "## Failed runs", "", "```", failures.strip(), "```"]
    lines += ["", f"![throughput]({base}-throughput.png)", "", f"![latency]({base}-latency.png)", ""]
    with open(prefix + ".md", "w") as f:
        f.write("\n".join(lines))


def plot(runs, prefix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = [s for s in scenarios_in_order(runs) if not s.startswith("latency")]
    brokers = [b for b in BROKERS if any(k[0] == b for k in runs)]
    width = 0.8 / max(len(brokers), 1)
    fig, ax = plt.subplots(figsize=(max(8, len(scenarios) * 0.9), 5))
    for i, broker in enumerate(brokers):
        values = [summary(runs[(broker, s)])["rate"] if (broker, s) in runs else 0 for s in scenarios]
        ax.bar([x + i * width for x in range(len(scenarios))], values, width, label=broker,
               color=COLORS[broker])
    ax.set_xticks([x + width * (len(brokers) - 1) / 2 for x in range(len(scenarios))])
    ax.set_xticklabels(scenarios, rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("messages/s (delivered; published for publish-only)")
    ax.set_title("Throughput per scenario")
    ax.legend()
    fig.tight_layout()
    fig.savefig(prefix + "-throughput.png", dpi=110)
    plt.close(fig)

    latency = [s for s in scenarios_in_order(runs) if s.startswith("latency")]
    fig, axes = plt.subplots(1, max(len(latency), 1), figsize=(5 * max(len(latency), 1), 4), squeeze=False)
    for ax, scenario in zip(axes[0], latency):
        for broker in BROKERS:
            if (broker, scenario) in runs:
                s = summary(runs[(broker, scenario)])
                ax.plot([name for _, name in PERCENTILES], [s[k] / 1000 for k, _ in PERCENTILES], marker="o",
                        label=broker, color=COLORS[broker])
        ax.set_yscale("log")
        ax.set_ylabel("ms (log)")
        ax.set_title(scenario, fontsize=9)
        ax.legend()
    fig.tight_layout()
    fig.savefig(prefix + "-latency.png", dpi=110)
    plt.close(fig)


def main():
    raw, prefix = sys.argv[1], sys.argv[2]
    runs = load(raw)
    failures_path = os.path.join(raw, "failures.txt")
    failures = open(failures_path).read() if os.path.exists(failures_path) else ""
    write_markdown(runs, raw, prefix, failures)
    plot(runs, prefix)


if __name__ == "__main__":
    main()
