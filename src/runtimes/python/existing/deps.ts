/** The dependency-file readers and editors live in deps/, one module per format. */
export * from './deps/index.js';
