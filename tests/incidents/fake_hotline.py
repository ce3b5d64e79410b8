"""A fake of the 12345 hotline's callback endpoint, served in the test process.

It checks each request's signature and timestamp as the contract asks the hotline to
(core.webhooks), then does what the test scripted for that request, in order:
``"ok"`` (200), ``"fail"`` (500), ``"hang"`` (takes the update, then answers too late:
after the client's timeout), ``"refuse"`` (401). Without a script left it answers 200.
It keeps every request (``received``) and the updates it took, once per event id
(``taken``): a repeat of an event it has is answered 200 and not taken again.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core.webhooks import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_is_valid

SECRET = "hotline-shared-secret"


class FakeHotline(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.lock:
            server.received.append(
                {
                    "body": body,
                    "key": self.headers.get(KEY_HEADER),
                    "timestamp": self.headers.get(TIMESTAMP_HEADER),
                    "signature": self.headers.get(SIGNATURE_HEADER),
                }
            )
            behaviour = server.script.pop(0) if server.script else "ok"
        signed = signature_is_valid(
            SECRET,
            self.headers.get(TIMESTAMP_HEADER, ""),
            body,
            self.headers.get(SIGNATURE_HEADER, ""),
            now=time.time(),
        )
        if behaviour == "refuse" or not signed:
            return self._answer(401, {"error": "bad signature"})
        if behaviour == "fail":
            return self._answer(500, {"error": "down"})
        payload = json.loads(body)
        with server.lock:
            server.taken.setdefault(payload["event_id"], payload)
        if behaviour == "hang":
            server.release.wait(5)
        return self._answer(200, {"ok": True})

    def _answer(self, code, data):
        raw = json.dumps(data).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:  # the client gave up waiting (a "hang")
            pass

    def log_message(self, *args):
        pass


def serve(settings):
    """Start the fake on a free port and point the platform's settings at it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHotline)
    server.daemon_threads = True
    server.received, server.taken, server.script = [], {}, []
    server.lock, server.release = threading.Lock(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.HOTLINE_CALLBACK_URL = f"http://127.0.0.1:{server.server_port}/callback"
    settings.HOTLINE_SECRET = SECRET
    settings.HOTLINE_TIMEOUT = 0.5
    return server


def stop(server) -> None:
    server.release.set()
    server.shutdown()
    server.server_close()


def statuses_taken(server) -> list[str]:
    """The statuses the hotline took, in the order it took them."""
    return [payload["status"] for payload in server.taken.values()]
