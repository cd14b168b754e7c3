"""A test-only LMS that misbehaves on the back channel: hangs, or answers an error page."""

import contextlib
import socket
import threading


class BrokenLMS:
    """A loopback server standing in for an LMS that misbehaves on the back channel.

    Modes: "hang" (accepts, never answers), "error" (503 HTML page), "busy" (the LMS's rate
    limiter mapped to 429: an HTML page, asking for 17 seconds), "forbidden" (the same limiter
    unmapped: the HTML 403 page of a PermissionDenied).
    """

    PAGES = {
        "error": b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
        b"Content-Length: 22\r\nConnection: close\r\n\r\n<h1>Maintenance</h1>\r\n",
        "busy": b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/html\r\n"
        b"Retry-After: 17\r\nContent-Length: 15\r\nConnection: close\r\n\r\n<h1>Slow down\r\n",
        "forbidden": b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n"
        b"Content-Length: 20\r\nConnection: close\r\n\r\n<h1>Forbidden</h1>\r\n",
    }

    def __init__(self, mode: str = "hang"):
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self.mode == "hang":
                self.held.append(connection)
                continue
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    connection.sendall(self.PAGES[self.mode])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() in the thread
        self.listener.close()
        for connection in self.held:
            connection.close()
