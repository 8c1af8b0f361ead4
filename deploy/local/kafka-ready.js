// Readiness probe used by stack.sh: succeeds only when the broker answers a
// metadata request (not just when its port accepts connections).
// usage: node deploy/local/kafka-ready.js 127.0.0.1:9092
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const broker = process.argv[2] || '127.0.0.1:9092';
const kafka = new Kafka({
  clientId: 'cdp-stack-probe',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 2000,
  requestTimeout: 3000,
  retry: { retries: 0 },
});
const admin = kafka.admin();
admin
  .connect()
  .then(() => admin.describeCluster())
  .then(async (cluster) => {
    process.stdout.write(
      `${JSON.stringify({ brokers: cluster.brokers.length, controller: cluster.controller })}\n`,
    );
    await admin.disconnect();
    process.exit(0);
  })
  .catch(async (err) => {
    process.stderr.write(`kafka not ready: ${err.message}\n`);
    await admin.disconnect().catch(() => undefined);
    process.exit(1);
  });
