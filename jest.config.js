/** Jest for ESM TypeScript (see ../shared/toolchain.md). Peers are started by the tests themselves. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  coverageProvider: 'v8',
  // Type-only modules hold no executable code; v8 would count their declarations as uncovered lines.
  collectCoverageFrom: ['src/**/*.ts', '!src/store/schema.ts', '!src/config/types.ts', '!src/analyze/rules/types.ts', '!src/setup/types.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 80 } },
};
