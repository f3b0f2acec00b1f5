export * from './cloud-init.js';
export * from './guest-changes.js';
export * from './guest-spec.js';
export * from './identifiers.js';
export * from './network-identifiers.js';
export * from './parse-input.js';
export * from './queries.js';
export * from './ssh-public-key.js';
