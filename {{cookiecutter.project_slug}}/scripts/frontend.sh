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

# Type-check and build the page into frontend/dist, which the backend serves at /.
build_frontend() {
    install_frontend
    echo "Building the frontend into frontend/dist ..." >&2
    (cd "$FRONTEND_DIR" && npm run --silent build -- --logLevel warn)
}
