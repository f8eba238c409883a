"""A live gateway for tests: `uvicorn` serving it on a free loopback port, in a thread
of the test process (lifespan on: flag refresher, observer, rollout judge).

In-process on purpose: a test can reach into the `Gateway` it serves (wrap an arm,
refresh flags). `tests/live_gateway.py` runs `uvicorn gateway:app` as its own process
when a test needs the whole process from settings alone."""

from __future__ import annotations

import socket
import threading

import uvicorn

from gateway import Gateway


class LiveGateway:
    """`with LiveGateway(gateway) as live:` then requests to `live.url`."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(gateway, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveGateway:
        self.thread.start()
        ready = threading.Event()
        while not self.server.started and self.thread.is_alive():
            ready.wait(0.05)
        assert self.server.started, "the gateway did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()
