export * from './blob-store/index.js';
export * from './sbom/index.js';
export * from './signing/index.js';
export * from './retention/index.js';
export * from './pack/index.js';
export * from './cache/index.js';
