/** Jest runs the TypeScript tests through swc; the packages under test are the built dist/ (npm run build). */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/{connectors/*,codec,workflows,activities,worker,client,cli}/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  setupFiles: ['<rootDir>/test/helpers/load-env.ts'],
  // A dev server per test file and real databases: give integration tests room.
  testTimeout: 90_000,
  maxWorkers: 2,
};
