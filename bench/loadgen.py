"""What every HTTP bench needs: a free loopback port, Debian's `wrk` load generator, and
server processes pinned away from the CPU wrk runs on."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    """The path of `wrk`, installed from Debian's packages when missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdin=subprocess.DEVNULL)
    return shutil.which("wrk") or "/usr/bin/wrk"


def cpu_split() -> tuple[str, str]:
    """(server CPUs, client CPU) for taskset."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return str(cpus[0]), str(cpus[0])
    return ",".join(map(str, cpus[:-1])), str(cpus[-1])


class Server:
    """One server process on a loopback port, pinned; stopped on exit."""

    def __init__(
        self, name: str, argv: list[str], port: int, probe: str, env: dict[str, str], cpus: str, workdir: Path
    ) -> None:
        self.name, self.port, self.probe = name, port, probe
        self.log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            ["taskset", "-c", cpus, *argv], env=env, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.probe}", timeout=2).read()
                return self
            except Exception as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"{self.name} did not start: {exc} (see {self.log.name})") from exc
                time.sleep(0.2)

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
