export * from './batch-consumer.js';
export * from './kafka.js';
export * from './publisher.js';
export * from './topics.js';
