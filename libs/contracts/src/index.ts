export * from './campaigns.js';
export * from './errors.js';
export * from './events.js';
export * from './headers.js';
export * from './issues.js';
export * from './primitives.js';
export * from './ticks.js';
export * from './ws.js';
