export * from './access.js';
export * from './context.js';
export * from './database.js';
export * from './infra.js';
export * from './raw-http.js';
export * from './services.js';
export * from './topics.js';
export * from './wait.js';
