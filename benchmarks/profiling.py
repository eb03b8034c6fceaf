"""py-spy on the app's servers during the measured windows, and the hot spots of what it recorded."""

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
        outputs = [self.out_dir / f"{label}-{pid}.txt" for pid in pids]

        def at_mark(name: str) -> None:
            if name == "start":
                for pid, output in zip(pids, outputs, strict=True):
                    command = [PY_SPY, "record", "--pid", str(pid), "--format", "raw", "--rate", "200"]
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
    """The functions most samples were in (inclusive) and at the top of (self), as shares of all samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for output in outputs:
        if not output.exists():
            continue
        for line in output.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = _frames(stack)
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    if not total:
        return f"## {label}\n(no samples)"
    lines = [f"## {label} ({total} samples)", "", "self:"]
    lines += [f"  {100 * count / total:5.1f}%  {frame}" for frame, count in own.most_common(top)]
    lines += ["", "inclusive:"]
    lines += [f"  {100 * count / total:5.1f}%  {frame}" for frame, count in inclusive.most_common(top)]
    return "\n".join(lines)
