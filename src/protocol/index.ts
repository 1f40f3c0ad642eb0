export * from './runner-protocol.js';
export * from './executor-labels.js';
export * from './cache-protocol.js';
export * from './artifact-protocol.js';
