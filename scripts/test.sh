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

# The e2e global setup builds dist/ (services are started from the build).
CDP_SKIP_STACK=1 npx jest --ci --json --outputFile="$results" "$@"
status=$?
node scripts/jest-summary.js "$results"
exit $status
