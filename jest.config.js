// Three projects: "static" (type check, lint, format as tests), "unit" (*.spec.ts
// next to the code, no servers) and "e2e" (tests/**/*.e2e-spec.ts against the real
// local Kafka and ClickHouse; the global setup starts the stack when it is not running
// and builds dist/).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = {
  '^@cdp/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@cdp/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
};

const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'static',
      roots: ['<rootDir>/tests/static'],
      testMatch: ['**/*.static-spec.ts'],
    },
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/bench'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/tests'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/tests/support/global-setup.js',
      setupFilesAfterEnv: ['<rootDir>/tests/support/jest-timeout.ts'],
      slowTestThreshold: 30,
    },
  ],
};
