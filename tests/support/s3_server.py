"""A real S3-protocol server on loopback (``rclone serve s3``) for the storage, fault and CLI tests.

Fault tests may ``stop()`` and ``start()`` it again on the same port and folder. ``rclone serve s3``
keeps user metadata in memory only, so a restart forgets it (objects survive).
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from zcps.resources import rclone_path

S3_ACCESS_KEY = "zcpstestaccesskey"
S3_SECRET_KEY = "zcpstestsecretkey0123456789"
S3_REGION = "us-east-1"
SERVER_START_TIMEOUT_SECONDS = 20.0


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    dir: Path
    log_path: Path
    port: int = field(default_factory=free_loopback_port)
    access_key: str = S3_ACCESS_KEY
    secret_key: str = S3_SECRET_KEY
    region: str = S3_REGION
    flags: tuple[str, ...] = ()  # extra `rclone serve s3` flags, e.g. ("--read-only",)
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"s3://{self.endpoint}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        command = [str(rclone_path()), "serve", "s3", "--addr", self.endpoint,
                   "--auth-key", f"{self.access_key},{self.secret_key}", "--config", "/dev/null", *self.flags, str(self.dir)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_answering()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def _wait_until_answering(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"rclone serve s3 exited early:\n{self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"rclone serve s3 did not answer on {self.endpoint} within {SERVER_START_TIMEOUT_SECONDS} s")
