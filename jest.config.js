/** Jest on ESM: ts-jest compiles the TypeScript, Node's VM modules run it (see package.json "test"). */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    '^nestjs-hybrid-scheduler$': '<rootDir>/libs/hybrid-scheduler/src/index.ts',
    '^nestjs-hybrid-scheduler/health$': '<rootDir>/libs/hybrid-scheduler/src/health/index.ts',
    '^nestjs-hybrid-scheduler/dashboard$': '<rootDir>/libs/hybrid-scheduler/src/dashboard/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
