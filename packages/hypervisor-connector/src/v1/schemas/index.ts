export * from './guest-changes.js';
export * from './guest-spec.js';
export * from './identifiers.js';
export * from './inventory-queries.js';
export * from './paging.js';
export * from './parse-input.js';
export * from './queries.js';
