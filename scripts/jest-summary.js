// Prints the one line CI reads: "N passed, N failed", from jest's --json results.
// A suite that failed to run (syntax error, failed hook) counts as one failed test;
// missing results (jest never ran) count as one failure.
'use strict';
const fs = require('node:fs');

const file = process.argv[2] || '.local/jest-results.json';
let passed = 0;
let failed = 1;
try {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  if (r.numTotalTests === 0 && r.numRuntimeErrorTestSuites === 0 && !r.success) failed += 1;
} catch {
  // no results: jest did not run
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
