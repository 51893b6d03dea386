/** @type {import('jest').Config} */
module.exports = {
  // Quiet when green: handler logs and EMF are shown only for a failing test (see the file).
  testEnvironment: '<rootDir>/test/support/quiet-environment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The integration tier (moto on loopback) runs separately: `npm run test:integration`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
  setupFiles: ['<rootDir>/test/support/setup.ts'],
  transform: {
    // swc instead of ts-jest: TypeScript 7 has no JS API for ts-jest to call. @middy is ESM-only,
    // so it is transformed to CommonJS along with our own sources.
    '^.+\\.(t|j|mj)s$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Synthesizing the stack bundles every Lambda with esbuild; give those suites room on 2 cores.
  testTimeout: 60000,
};
