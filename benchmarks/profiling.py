"""py-spy on the measured servers during their windows, and the hot spots of what it recorded."""

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

LINE_NUMBER = re.compile(r":\d+\)$")
PY_SPY = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"


class Profiler:
    """Records each window it is handed, one collapsed-stack file per server process."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.recorded: list[tuple[str, list[Path]]] = []

    def window(self, label: str, pids: Iterable[int]) -> Callable[[str], None]:
        """An `at_mark` for driver.run_client: py-spy runs from the `start` mark to the `end` one."""
        pids = list(pids)
        running: list[subprocess.Popen[bytes]] = []
        label = f"{label}-{sum(1 for recorded, _ in self.recorded if recorded.startswith(label)) + 1}"
        outputs = [self.out_dir / f"{label}-{pid}.txt" for pid in pids]

        def at_mark(name: str) -> None:
            if name == "start":
                for pid, output in zip(pids, outputs, strict=True):
                    command = [PY_SPY, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--nonblocking"]
                    running.append(
                        subprocess.Popen(
                            [*command, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                        )
                    )
            elif name == "end":
                for process in running:
                    process.send_signal(signal.SIGINT)
                for process in running:
                    process.wait(timeout=60)
                self.recorded.append((label, outputs))

        return at_mark

    def summaries(self, top: int = 25) -> str:
        return "\n\n".join(summarise(label, outputs, top) for label, outputs in self.recorded)


def _frames(stack: str) -> list[str]:
    return [LINE_NUMBER.sub(")", frame) for frame in stack.split(";")]


def summarise(label: str, outputs: list[Path], top: int) -> str:
    """The functions the event loop's thread was in (inclusive) and at the top of (self), as shares.

    Other threads (the database driver's, for one) are counted apart: py-spy takes a thread
    blocked on a queue in C for a busy one, and the event loop is what serves the sockets.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    loop = others = 0
    for output in outputs:
        if not output.exists():
            continue
        for line in output.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = _frames(stack)
            if frames[0].startswith("Thread._bootstrap"):
                others += count
                continue
            loop += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not loop:
        return f"## {label}\n(no samples)"
    lines = [f"## {label}: {loop} samples of the event loop's thread ({others} of other threads)", "", "self:"]
    lines += [f"  {100 * count / loop:5.1f}%  {frame}" for frame, count in own.most_common(top)]
    lines += ["", "inclusive:"]
    lines += [f"  {100 * count / loop:5.1f}%  {frame}" for frame, count in inclusive.most_common(top)]
    return "\n".join(lines)
