#!/usr/bin/env python3
"""Sends POST /v1/reports at a fixed rate over keep-alive connections and prints latency
percentiles (a stand-in for wrk2's -R when the installed wrk lacks it)."""
import http.client, json, os, sys, threading, time, urllib.parse

url, rate, secs = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
u = urllib.parse.urlparse(url)
token = os.environ["POSKO_TOKEN"]
workers = 8
lat = []
lock = threading.Lock()
posts = ["berngam-1", "berngam-2", "setia-1", "kartini-1"]

def worker(k):
    conn = http.client.HTTPConnection(u.hostname, u.port)
    interval = workers / rate
    t0 = time.perf_counter() + k * interval / workers
    n = 0
    while True:
        due = t0 + n * interval
        if due - t0 > secs:
            break
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        body = json.dumps({"post": posts[n % 4], "bidang": "kesehatan", "status": ["tutup", "berjalan"][n % 2]})
        start = time.perf_counter()
        conn.request("POST", u.path, body, {"Content-Type": "application/json", "Authorization": "Bearer " + token})
        r = conn.getresponse(); r.read()
        # latency from the scheduled time, so a stall is not hidden (no coordinated omission)
        with lock:
            lat.append(time.perf_counter() - min(due, start))
        n += 1

ts = [threading.Thread(target=worker, args=(k,)) for k in range(workers)]
[t.start() for t in ts]; [t.join() for t in ts]
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
print(f"sent {len(lat)} in {secs:.0f}s ({len(lat)/secs:.0f}/s) p50 {p(0.5):.2f}ms p99 {p(0.99):.2f}ms max {lat[-1]*1000:.2f}ms")
print(f"p99 {p(0.99):.2f}ms")
