export * from './errors.js';
export * from './health.js';
export * from './json-parser.js';
export * from './openapi.js';
export * from './route.js';
export * from './server.js';
export * from './validate.js';
