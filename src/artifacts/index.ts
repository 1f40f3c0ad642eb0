export * from './blob-store/index.js';
export * from './sbom/index.js';
export * from './signing/index.js';
