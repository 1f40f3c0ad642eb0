export * from './runner-protocol.js';
