// e2e global setup: brings the local Kafka + ClickHouse up when they are not running
// (idempotent), and builds dist/ because the service tests start the built services.
// CDP_SKIP_STACK=1 skips the stack (scripts/test.sh already brought it up, or you test
// against servers you manage: KAFKA_BROKERS / CLICKHOUSE_URL point at them).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  const root = path.join(__dirname, '..', '..');
  if (process.env.CDP_SKIP_STACK !== '1') {
    execFileSync('bash', [path.join(root, 'deploy', 'local', 'stack.sh'), 'up'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  if (process.env.CDP_SKIP_BUILD !== '1') {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  }
};
