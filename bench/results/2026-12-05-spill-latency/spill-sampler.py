# Samples queue depth (HTTP API), broker RSS and spill dir size every 100 ms; one TSV line each.
import sys, time, os, requests
pid, port, queue, spill, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
s = requests.Session(); s.auth = ("guest", "guest")
with open(out, "w") as f:
    while os.path.exists(f"/proc/{pid}") and not os.path.exists(out + ".stop"):
        t0 = time.time()
        try:
            r = s.get(f"http://127.0.0.1:{port}/api/queues/%2F/{queue}", timeout=10)
            msgs = r.json().get("messages", -1) if r.status_code == 200 else -1
        except Exception:
            msgs = -2
        t1 = time.time()
        rss = 0
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"): rss = int(line.split()[1])
        except Exception: pass
        sp = 0
        for root, _, files in os.walk(spill):
            for n in files:
                try: sp += os.path.getsize(os.path.join(root, n))
                except Exception: pass
        f.write(f"{t0:.3f}\t{t1:.3f}\t{msgs}\t{rss}\t{sp}\n"); f.flush()
        time.sleep(max(0, 0.1 - (time.time() - t0)))
