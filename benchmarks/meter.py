"""CPU time and memory of the measured servers, read from /proc (psutil) at the client's marks."""

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil


def _tree(pid: int) -> list[psutil.Process]:
    """A process and its children: a server that forks workers is measured whole."""
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: Iterable[int]) -> tuple[float, float]:
    """utime and stime of the processes, children included, so far."""
    user = system = 0.0
    for pid in pids:
        for process in _tree(pid):
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            user += times.user
            system += times.system
    return user, system


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        for process in _tree(pid):
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    return total


class PeakRss:
    """The highest RSS of the processes (children included), read every `interval` seconds in a
    thread from start() to stop().

    Reading at the client's marks alone would miss a peak in between: memory taken during a
    flood of requests is given back before the flood's end mark.
    """

    def __init__(self, pids: Iterable[int], interval: float) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-rss", daemon=True)

    def _read(self) -> None:
        self.peak = max(self.peak, rss_bytes(self.pids))
        self.samples += 1

    def _sample(self) -> None:
        self._read()
        while not self._stopping.wait(self.interval):
            self._read()
        self._read()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop, after one last reading (nothing to do when it was never started, or is stopped)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine (every core) has spent on anything but idling."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@dataclass(frozen=True)
class Sample:
    at: float
    servers_user: float
    servers_system: float
    client: float
    machine: float

    @classmethod
    def take(cls, servers: Iterable[int], client: int) -> "Sample":
        user, system = cpu_seconds(servers)
        return cls(time.perf_counter(), user, system, sum(cpu_seconds([client])), machine_busy_seconds())


@dataclass(frozen=True)
class Window:
    """CPU spent between two samples: by the servers, by the client, by everything else."""

    start: Sample
    end: Sample

    @property
    def seconds(self) -> float:
        return self.end.at - self.start.at

    @property
    def servers(self) -> float:
        """utime + stime of the servers."""
        return self.servers_system + self.end.servers_user - self.start.servers_user

    @property
    def servers_system(self) -> float:
        """The servers' stime alone: the kernel's work on their behalf (the sockets' system calls)."""
        return self.end.servers_system - self.start.servers_system

    @property
    def client(self) -> float:
        return self.end.client - self.start.client

    @property
    def others(self) -> float:
        """CPU seconds of processes other than the servers and the client (other people's work)."""
        return max(0.0, self.end.machine - self.start.machine - self.servers - self.client)
