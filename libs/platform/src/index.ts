export * from './env.js';
export * from './logger.js';
export * from './metrics.js';
export * from './request-id.js';
export * from './shutdown.js';
