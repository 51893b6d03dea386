const base = require('./jest.config');

/** The integration tier: real SDK clients against moto servers the tests start on free loopback ports. */
module.exports = {
  ...base,
  roots: ['<rootDir>/test/integration'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
};
