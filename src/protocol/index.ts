export * from './runner-protocol.js';
export * from './executor-labels.js';
