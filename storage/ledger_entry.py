"""One ledger entry and the lease holder it names (the ledger itself: storage/ledger.py)."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Literal

import psutil

from zcps.models import DocumentRef, Model, Status

MAX_ERROR_MESSAGE = 500
Scope = Literal["document", "object", "stage"]
# psutil derives start times from clock ticks (1/100 s): the same process always reads the same.
_START_TIME_TOLERANCE_SECONDS = 0.05


class LeaseHolder(Model):
    """The process holding a lease, identified so that a reused pid is not mistaken for it."""

    host: str  # for people reading the ledger
    machine: str  # boot id and pid namespace: where ``pid`` names this process ("" when unknown)
    pid: int
    started: float  # the process's start time, seconds since the epoch

    @property
    def token(self) -> str:
        return f"{self.host}:{self.pid}:{self.started:.2f}"

    def is_dead(self) -> bool:
        """True only when the holder certainly no longer runs: this machine, and its pid gone or reused."""
        if not self.machine or self.machine != _this_machine():
            return False
        try:
            process = psutil.Process(self.pid)
            reused = abs(process.create_time() - self.started) > _START_TIME_TOLERANCE_SECONDS
            return reused or process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True
        except psutil.AccessDenied:
            return False


_holders: dict[int, LeaseHolder] = {}


def current_holder() -> LeaseHolder:
    """This process as a lease holder (recomputed after a fork, which changes the pid)."""
    pid = os.getpid()
    if pid not in _holders:
        _holders[pid] = LeaseHolder(host=socket.gethostname(), machine=_this_machine(), pid=pid,
                                    started=psutil.Process(pid).create_time())
    return _holders[pid]


def _this_machine() -> str:
    """Boot id and pid namespace: two processes see each other's pids only when both match."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as boot:
            return f"{boot.read().strip()}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return ""


class LedgerEntry(Model):
    batch: str
    unit: str  # "" for an object outside every unit folder
    applicant: str  # "" for an object outside every applicant folder, or a unit's report stage
    file: str  # document: path below docs/; object: path below the applicant folder; stage: the stage
    scope: Scope = "document"
    key: str | None = None  # object scope: the object's key below intake/{batch}/, as the store lists it
    status: Status = Status.pending
    attempts: int = 0
    error_code: str | None = None
    error_message: str | None = None
    sha256: str | None = None
    pipeline_version: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    lease_holder: LeaseHolder | None = None

    @classmethod
    def new(cls, ref: DocumentRef, **values) -> "LedgerEntry":
        return cls(**ref.model_dump(), **values)

    @property
    def label(self) -> str:
        """What ``zcps status`` and the reports call the entry: for a document, the key ``zcps rerun`` takes."""
        if self.scope == "object":
            return self.key or self.file
        if self.scope == "stage":
            return f"({self.file}) {self.unit}/{self.applicant}" if self.applicant else f"({self.file}) {self.unit}"
        return f"{self.unit}/{self.applicant}/{self.file}"

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef(batch=self.batch, unit=self.unit, applicant=self.applicant, file=self.file)

    def lease_fresh(self, now: datetime) -> bool:
        """Whether the lease still binds other workers: not expired, and its holder not known to be dead."""
        return (self.status is Status.running and self.lease_expires_at is not None
                and self.lease_expires_at > now
                and not (self.lease_holder is not None and self.lease_holder.is_dead()))
