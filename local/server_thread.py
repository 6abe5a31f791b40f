"""An HTTP server answering on a daemon thread of its own, from start() until stop(): the
gateway and the Lambda Invoke API run this way inside the local stack's process."""
from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class ServerThread:
    def __init__(self, httpd: ThreadingHTTPServer, name: str):
        self.httpd = httpd
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
