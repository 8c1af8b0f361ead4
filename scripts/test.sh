#!/usr/bin/env bash
# The project's test command (README: `npm ci && npm test`): brings up the local Kafka and
# ClickHouse when they are not running (installing them when missing), then runs every
# jest project: static (lint, format, types), unit, and e2e against the real servers.
# Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
# The last line printed is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .local
results=.local/jest-results.json
rm -f "$results"

if ! bash deploy/local/stack.sh up; then
  echo "[test] the local stack did not come up; see deploy/local/stack.sh status / logs" >&2
  node scripts/jest-summary.js "$results"
  exit 1
fi

# chdb (current ClickHouse in-process, from PyPI) proves that the schema and the analyst
# queries run on current ClickHouse too, not only on the local 18.16.
if ! python3 -c 'import chdb' 2>/dev/null; then
  echo "[test] installing chdb from PyPI (current ClickHouse engine, for the compatibility check)" >&2
  python3 -m pip install --quiet --disable-pip-version-check chdb >&2 \
    || echo "[test] warning: could not install chdb; the current-ClickHouse comparison will be skipped" >&2
fi

# The e2e global setup builds dist/ (services are started from the build).
CDP_SKIP_STACK=1 npx jest --ci --forceExit --json --outputFile="$results" "$@"
status=$?
node scripts/jest-summary.js "$results"
exit $status
