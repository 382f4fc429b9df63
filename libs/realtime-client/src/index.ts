export * from './backoff.js';
export * from './campaign-state.js';
export * from './listeners.js';
export * from './live-client.js';
export * from './realtime-client.js';
export * from './rest-client.js';
export * from './server-message.js';
export * from './socket.js';
