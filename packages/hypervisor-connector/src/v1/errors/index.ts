export * from './error-classes.js';
export * from './error-codes.js';
export * from './hypervisor-error.js';
export * from './to-hypervisor-error.js';
