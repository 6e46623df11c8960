#!/usr/bin/env python3
"""Standard Webhooks test receiver for Posko's delivery tests.

Verifies `webhook-signature` independently of Posko's Swift signer, with Python's hmac:
    v1,<base64(HMAC-SHA256(base64decode(secret without whsec_), f"{id}.{timestamp}.{body}"))>
Secrets come from the environment variable WEBHOOK_SECRETS (space-separated `whsec_...`), never
from the command line. Listens on 127.0.0.1 only; prints `PORT <n>` once it is listening.

Paths:
  POST /ok                          204 when the signature verifies, 401 otherwise
  POST /status/<code>[?retry_after=<value>]   verify, then answer <code> (and Retry-After)
  POST /slow?seconds=<s>            sleep, then 204
  GET  /_log                        JSON list of everything received, with verification results
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300
LOCK = threading.Lock()
LOG = []


def load_keys():
    keys = []
    for secret in os.environ.get("WEBHOOK_SECRETS", "").split():
        if secret.startswith("whsec_"):
            secret = secret[len("whsec_"):]
        keys.append(base64.b64decode(secret + "=" * (-len(secret) % 4)))
    return keys


KEYS = load_keys()


def verify(headers, body):
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signature:
        return False, "missing headers"
    try:
        ts = int(timestamp)
    except ValueError:
        return False, "bad timestamp"
    now = int(time.time())
    if abs(now - ts) > TOLERANCE:
        return False, "timestamp outside tolerance"
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode() for key in KEYS]
    for entry in signature.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1":
            continue
        if any(hmac.compare_digest(value, candidate) for candidate in expected):
            return True, None
    return False, "no matching signature"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=None):
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with LOCK:
                data = json.dumps(LOG).encode()
            self.reply(200, data, {"Content-Type": "application/json"})
        else:
            self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        valid, error = verify(self.headers, body)
        with LOCK:
            LOG.append({
                "path": url.path,
                "id": self.headers.get("webhook-id"),
                "timestamp": self.headers.get("webhook-timestamp"),
                "signatures": len((self.headers.get("webhook-signature") or "").split()),
                "content_type": self.headers.get("content-type"),
                "valid": valid,
                "error": error,
                "body": body.decode("utf-8", "replace"),
            })
        if url.path == "/slow":
            time.sleep(float(query.get("seconds", ["5"])[0]))
            self.reply(204)
            return
        if not valid:
            self.reply(401, (error or "invalid").encode(), {"Content-Type": "text/plain"})
            return
        if url.path == "/ok":
            self.reply(204)
        elif url.path.startswith("/status/"):
            code = int(url.path[len("/status/"):])
            headers = {"Content-Type": "text/plain"}
            if "retry_after" in query:
                headers["Retry-After"] = query["retry_after"][0]
            self.reply(code, f"status {code}".encode(), headers)
        else:
            self.reply(404)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
