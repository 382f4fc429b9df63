export * from './backoff.js';
export * from './campaign-state.js';
export * from './listeners.js';
export * from './realtime-client.js';
export * from './server-message.js';
