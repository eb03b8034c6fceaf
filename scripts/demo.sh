#!/usr/bin/env bash
# Bake the default project and start it: scripts/demo.sh [OUTPUT_DIR]   (default: ./build)
# The API then answers on http://127.0.0.1:8000 (docs at /docs; PORT=8001 scripts/demo.sh to move it);
# Ctrl-C stops it. A project baked there before is replaced by a fresh one, with fresh secrets.
source "$(dirname "$0")/bootstrap.sh"
OUTPUT_DIR="${1:-$REPO_DIR/build}"
mkdir -p "$OUTPUT_DIR"
OUTPUT_DIR="$(cd "$OUTPUT_DIR" && pwd)"

STAGE="$(mktemp -d "$OUTPUT_DIR/.bake-XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

# Bake from what a clone would hold: the work tree's ignored files (node_modules, builds) stay out.
TEMPLATE="$REPO_DIR"
if git -C "$REPO_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    TEMPLATE="$STAGE/template"
    mkdir "$TEMPLATE"
    git -C "$REPO_DIR" ls-files -z --cached --others --exclude-standard \
        | tar -C "$REPO_DIR" --null --files-from=- --ignore-failed-read -cf - 2>/dev/null \
        | tar -C "$TEMPLATE" -xf -
fi

# Through scripts/bake.py, so that the project records this checkout for cruft (.cruft.json).
"$UV" run --locked --project "$REPO_DIR" python "$REPO_DIR/scripts/bake.py" --no-input --quiet \
    --template "$TEMPLATE" --output-dir "$STAGE/out"
SLUG="$(ls "$STAGE/out")"
PROJECT="$OUTPUT_DIR/$SLUG"
rm -rf "$PROJECT"
mv "$STAGE/out/$SLUG" "$PROJECT"

URL="http://127.0.0.1:${PORT:-8000}"
credentials() {
    echo "Log in as the first superuser, from $PROJECT/.env:" >&2
    grep -E '^FIRST_SUPERUSER(_PASSWORD)?=' "$PROJECT/.env" | sed 's/^/    /' >&2
}
echo >&2
echo "Baked $PROJECT (the template's defaults); starting it with its scripts/run.sh." >&2
echo "The first start installs its packages and builds its page: a few minutes on a small machine." >&2
credentials
echo >&2

# The baked project's scripts use uv from PATH when there is one.
export PATH="$(dirname "$UV"):$PATH"
rm -rf "$STAGE"
trap - EXIT
bash "$PROJECT/scripts/run.sh" &
SERVER=$!
trap 'kill -INT "$SERVER" 2>/dev/null; wait "$SERVER"' INT TERM
# Once it answers, say again where it is and who to log in as: the install's output has scrolled
# them away.
until python3 -c "import urllib.request; urllib.request.urlopen('$URL/api/v1/health', timeout=1)" 2>/dev/null; do
    if ! kill -0 "$SERVER" 2>/dev/null; then
        wait "$SERVER"
        exit $?
    fi
    sleep 1
done
echo >&2
echo "Ready: $URL (the API's documentation at $URL/docs). Ctrl+C stops it." >&2
credentials
wait "$SERVER"
