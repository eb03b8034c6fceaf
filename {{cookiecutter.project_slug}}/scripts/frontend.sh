# Sourced by run.sh, dev.sh and test.sh, after bootstrap.sh: the frontend's npm steps.
FRONTEND_DIR="$PROJECT_DIR/frontend"

# Prints what keeps npm from building the frontend, or nothing when it can.
npm_problem() {
    if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
        echo "npm not found"
    elif ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
            process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)'; then
        echo "Node.js $(node --version) is too old for the frontend (it needs 20.19 or newer)"
    fi
}

# Stops the script with one line saying what to install, when npm cannot build the frontend.
require_npm() {
    local problem
    problem="$(npm_problem)"
    if [ -n "$problem" ]; then
        echo "$problem: install Node.js 20.19 or newer with npm (e.g. apt-get install nodejs npm), then run this again." >&2
        exit 1
    fi
}

# npm ci when node_modules is missing or older than package-lock.json.
install_frontend() {
    if [ ! -f "$FRONTEND_DIR/node_modules/.package-lock.json" ] \
        || [ "$FRONTEND_DIR/package-lock.json" -nt "$FRONTEND_DIR/node_modules/.package-lock.json" ]; then
        echo "Installing the frontend's packages (npm ci) ..." >&2
        (cd "$FRONTEND_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

# A hash of what the build is made of: frontend/src (tests aside), public/, index.html, the
# package files, the configs, and the VITE_ settings it reads (from .env and the environment).
frontend_build_hash() {
    python3 - "$FRONTEND_DIR" "$PROJECT_DIR/.env" <<'PY'
import hashlib
import os
import sys
from pathlib import Path

frontend, env_file = Path(sys.argv[1]), Path(sys.argv[2])
names = ["index.html", "package.json", "package-lock.json", "vite.config.ts"]
names += sorted(path.name for path in frontend.glob("tsconfig*.json"))
files = [frontend / name for name in names]
for folder in ("src", "public"):
    found = (frontend / folder).rglob("*")
    files += sorted(path for path in found if path.is_file() and ".test." not in path.name)
digest = hashlib.sha256()
for path in files:
    if path.is_file():
        digest.update(str(path.relative_to(frontend)).encode() + b"\0" + path.read_bytes() + b"\0")
lines = env_file.read_text().splitlines() if env_file.is_file() else []
settings = [line for line in lines if line.startswith("VITE_")]
settings += sorted(f"{name}={value}" for name, value in os.environ.items() if name.startswith("VITE_"))
digest.update("\n".join(settings).encode())
print(digest.hexdigest())
PY
}

# Type-check and build the page into frontend/dist, which the backend serves at /; unless nothing
# it is made of changed since the last build here (the hash of it is kept in node_modules, so a
# new install builds again). Removing frontend/dist forces a build. FRONTEND_BUILT=1 after a build.
FRONTEND_BUILT=0
build_frontend() {
    install_frontend
    local stamp="$FRONTEND_DIR/node_modules/.build-stamp" hash
    hash="$(frontend_build_hash)"
    if [ -f "$FRONTEND_DIR/dist/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        echo "The frontend is as last built (frontend/dist): nothing in it changed since." >&2
        return 0
    fi
    echo "Building the frontend into frontend/dist ..." >&2
    rm -f "$stamp"
    (cd "$FRONTEND_DIR" && npm run --silent build -- --logLevel warn)
    echo "$hash" >"$stamp"
    FRONTEND_BUILT=1
}
