"""A TCP proxy in front of a real server, which a test can make hang or refuse, to play a frozen or dead peer.

The machine's PostgreSQL, MariaDB and Redis serve other tests too: they are
never stopped. A frozen server (SIGSTOP, a lock storm, a partition whose
kernel still acknowledges) is played by `hang()`: connections are accepted
and what is sent is swallowed, nothing ever comes back. A dead one by
`refuse()`: the port is closed, connecting is refused. `forward()` brings it
back; connections that lived through a hang had bytes swallowed, so they are
cut then, as a server restarted after a freeze would find them broken anyway.
`accepted` counts connection attempts, to see what an outage costs the server.
"""
from __future__ import annotations

import select
import socket
import threading


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int):
        self._upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._mode = "forward"
        self._connections: list[socket.socket] = []
        self.accepted = 0
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._closed = False

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    # --- what the test switches ---------------------------------------------------------------

    def hang(self) -> None:
        with self._lock:
            self._mode = "hang"

    def refuse(self) -> None:
        with self._lock:
            self._mode = "refuse"
            self._cut_all()
            self._listener.close()

    def forward(self) -> None:
        with self._lock:
            was = self._mode
            self._mode = "forward"
            self._cut_all()
            if was == "refuse":
                self._listener = self._listen(self.port)

    def close(self) -> None:
        with self._lock:
            self._closed, self._mode = True, "refuse"
            self._cut_all()
            self._listener.close()

    # --- the plumbing -------------------------------------------------------------------------

    def _cut_all(self) -> None:
        for conn in self._connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._connections = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: refusing, or done
            with self._lock:
                self.accepted += 1
                mode = self._mode
                self._connections.append(client)
            upstream = None
            if mode == "forward":
                try:
                    upstream = socket.create_connection(self._upstream, timeout=5)
                    upstream.settimeout(None)
                except OSError:
                    client.close()
                    continue
                with self._lock:
                    self._connections.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket | None) -> None:
        """Carry bytes both ways while forwarding; swallow them while hanging (a connection made while
        hanging has no upstream: it only ever swallows)."""
        peers = [client] if upstream is None else [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(peers, [], [], 0.5)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if self._mode == "forward" and upstream is not None:
                        (upstream if sock is client else client).sendall(data)
        except (OSError, ValueError):
            return  # cut by forward()/refuse(), or the peer went
        finally:
            for sock in peers:
                sock.close()
