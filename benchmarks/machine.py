"""What the figures were measured on, and how busy the machine was meanwhile."""

import os
import platform
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gib: float
    kernel: str
    python: str
    ulimit_nofile: int

    def lines(self) -> list[str]:
        return [
            f"CPU: {self.cpu}, {self.cores} cores",
            f"RAM: {self.ram_gib:.1f} GiB",
            f"Kernel: Linux {self.kernel}",
            f"Python (the servers and the client): {self.python}",
            f"Open files per process (ulimit -n): {self.ulimit_nofile}",
        ]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe(python: Path) -> Machine:
    """The machine, with the version of `python` (the bake's, which runs what is measured)."""
    version = subprocess.run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Machine(
        cpu=cpu_model(),
        cores=os.cpu_count() or 0,
        ram_gib=psutil.virtual_memory().total / 2**30,
        kernel=platform.release(),
        python=version,
        ulimit_nofile=resource.getrlimit(resource.RLIMIT_NOFILE)[0],
    )


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()
