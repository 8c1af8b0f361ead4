// Brings the local Kafka + ClickHouse up when they are not running (idempotent).
// Set CDP_SKIP_STACK=1 to test against servers you manage yourself
// (KAFKA_BROKERS / CLICKHOUSE_URL point at them).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.CDP_SKIP_STACK === '1') return;
  const script = path.join(__dirname, '..', '..', 'deploy', 'local', 'stack.sh');
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
};
