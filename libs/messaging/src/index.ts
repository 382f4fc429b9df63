export * from './batch-consumer.js';
export * from './consumer-lag.js';
export * from './group-offsets.js';
export * from './kafka.js';
export * from './publisher.js';
export * from './topics.js';
export * from './transactional-publisher.js';
