#!/usr/bin/env python3
"""Time to first chart of a page under /ui/, in a real (headless) Chromium, real time.

Usage: scripts/bench-ui.py URL [RUNS]

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no socket,
no library). Each run opens a fresh tab, navigates to URL, and waits for the page to mark the
chart as drawn (`data-chart-ms` on <html>: performance.now() when the chart was in the
document, i.e. milliseconds since the navigation started). Prints each run and the median.
The first run includes the browser's cold start of the page's scripts; later runs reuse the
HTTP cache as a returning visitor would (the assets are cacheable for 5 minutes, the data is
asked for again).
"""
import json
import os
import statistics
import subprocess
import sys
import time

url = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
browser = os.environ.get("CHROMIUM", "chromium")

to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()
proc = subprocess.Popen(
    [browser, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
     "--window-size=1280,900", "about:blank"],
    close_fds=False,
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    preexec_fn=lambda: (os.dup2(to_chrome_r, 3), os.dup2(from_chrome_w, 4),
                        os.set_inheritable(3, True), os.set_inheritable(4, True)),
)
os.close(to_chrome_r)
os.close(from_chrome_w)
writer = os.fdopen(to_chrome_w, "wb")
reader = os.fdopen(from_chrome_r, "rb")
buffer = b""
next_id = 0


def send(method, params=None, session=None):
    global next_id, buffer
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    writer.write(json.dumps(message).encode() + b"\0")
    writer.flush()
    while True:
        while b"\0" not in buffer:
            chunk = os.read(reader.fileno(), 65536)
            if not chunk:
                raise SystemExit("chromium closed the pipe")
            buffer += chunk
        raw, buffer = buffer.split(b"\0", 1)
        answer = json.loads(raw)
        if answer.get("id") == next_id:
            if "error" in answer:
                raise SystemExit(f"{method}: {answer['error']}")
            return answer.get("result", {})


times = []
for run in range(runs):
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    send("Page.enable", session=session)
    send("Page.navigate", {"url": url}, session=session)
    deadline = time.time() + 20
    value = None
    while time.time() < deadline:
        result = send("Runtime.evaluate", {
            "expression": "document.documentElement.getAttribute('data-chart-ms')",
            "returnByValue": True}, session=session)
        value = result.get("result", {}).get("value")
        if value:
            break
        time.sleep(0.01)
    send("Target.closeTarget", {"targetId": target})
    if not value:
        raise SystemExit(f"run {run + 1}: no chart within 20 s")
    times.append(int(value))
    print(f"run {run + 1}: first chart {value} ms after navigation start")
proc.kill()
print(f"median {statistics.median(times):.0f} ms, max {max(times)} ms over {runs} runs")
