// A tiny TypeScript require hook for the benchmarks (no ts-node/tsx in the repository):
// compiles each .ts file with @swc/core (already a dev dependency, used by jest) and
// resolves the @cdp/<lib> path aliases of tsconfig.json to libs/<lib>/src.
// Usage: node -r ./bench/register.js bench/rules.bench.ts
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const ROOT = path.join(__dirname, '..');
const ALIAS = /^@cdp\/([a-z-]+)(\/.*)?$/;

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const alias = ALIAS.exec(request);
  const target = alias ? path.join(ROOT, 'libs', alias[1], 'src', alias[2] ?? '') : request;
  return resolve.call(this, target, parent, ...rest);
};

require.extensions['.ts'] = function (module, filename) {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
