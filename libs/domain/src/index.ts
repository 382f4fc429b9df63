export * from './access.js';
export * from './decimal.js';
export * from './errors.js';
export * from './model.js';
export * from './pnl.js';
export * from './rules.js';
export * from './totals.js';
