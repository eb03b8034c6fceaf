"""Turn a guide's code blocks into one shell script that does what the guide tells a reader to do.

- Each line of a ```bash block is a command, run in order in one shell (so `cd` carries over).
- A command whose comment says it serves a URL "until Ctrl+C" starts a server: it runs in the
  background, the script waits for the URL's health probe, and the server is stopped at the end.
- A ```python block whose first line is `# <name>.py` is a file the reader saves in the current
  folder before the commands that follow.
- A ```sh block holds commands that are shown, not run (they need Docker, root, a domain or a
  production .env); tests/test_docs.py keeps the explicit list of them.
- A block of any language whose first line is `# <path>` naming a file of the baked project is an
  excerpt of that file, and must match it (a ```python file the bake does not have is the reader's).
- Other blocks (```text, ```python without a file name) are shown, not run.
- A command another test runs on the same project (a baked project's whole suite, say) may be left
  out; tests/test_docs.py names them and checks that the other test does run them.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass

FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
SERVES = re.compile(r"#\s*serves (?P<url>http://\S+) until Ctrl\+C")
FILE_NAME = re.compile(r"^#\s*(?P<name>[\w./-]+\.py)\s*$")
CLAIMED_PATH = re.compile(r"^#\s*(?P<path>[\w.-]+(?:/[\w.-]+)*)\s*$")
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
DEFAULT_PORT = "8000"

PRELUDE = """\
set -euo pipefail
servers=()
stop_servers() { for pid in "${servers[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; }
trap stop_servers EXIT
wait_for() {
    for _ in $(seq 600); do
        python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \\
            "$1/api/v1/health" 2>/dev/null && return 0
        for pid in "${servers[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "server $pid died" >&2; return 1; }; done
        sleep 0.5
    done
    echo "no answer from $1" >&2
    return 1
}
"""


@dataclass(frozen=True)
class Block:
    lang: str
    body: str


def code_blocks(markdown: str) -> list[Block]:
    return [Block(match["lang"], match["body"]) for match in FENCE.finditer(markdown)]


def claimed_file(block: Block) -> tuple[str, str] | None:
    """(path, the rest of the block) when the block's first line names a file: `# backend/app/x.py`."""
    first, _, rest = block.body.partition("\n")
    named = CLAIMED_PATH.match(first)
    return (named["path"], rest) if named else None


def shown_commands(markdown: str) -> list[str]:
    """The commands of the ```sh blocks, trailing comments dropped: shown to the reader, not run."""
    return [
        " ".join(TRAILING_COMMENT.sub("", command).split())
        for block in code_blocks(markdown)
        if block.lang == "sh"
        for command in commands(block.body)
    ]


def commands(body: str) -> list[str]:
    """The commands of a bash block: continuation lines joined, blank and comment lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def shell_script(markdown: str, port: int, run_elsewhere: Collection[str] = ()) -> str:
    """The guide as a script; the guide's port 8000 becomes `port`, so runs can go side by side.
    A command in `run_elsewhere` is left out: another test runs it, on the same project."""
    lines = [PRELUDE, f"export PORT={port}"]
    server_logs = 0
    for block in code_blocks(markdown):
        if block.lang == "bash":
            for command in commands(block.body):
                served = SERVES.search(command)
                if command in run_elsewhere:
                    lines.append(f": run elsewhere: {shlex.quote(command)}")
                elif served:
                    server_logs += 1
                    runnable = command[: served.start()].strip()
                    log = f'"$DOCS_LOGS/server-{server_logs}.log"'
                    lines.append(f"setsid bash -c {shlex.quote(runnable)} >{log} 2>&1 </dev/null &")
                    lines.append("servers+=($!)")
                    lines.append(f"wait_for {shlex.quote(served['url'])}")
                else:
                    lines.append(command)
        elif block.lang == "python" and (named := FILE_NAME.match(block.body.splitlines()[0])):
            lines.append(f"cat > {shlex.quote(named['name'])} <<'GUIDE_FILE_END'\n{block.body}GUIDE_FILE_END")
    return "\n".join(lines).replace(f":{DEFAULT_PORT}", f":{port}") + "\n"


def runnable_commands(markdown: str) -> list[str]:
    return [command for block in code_blocks(markdown) if block.lang == "bash" for command in commands(block.body)]
