/**
 * node:fs/promises, loaded on first use: a scaffold into a new directory never waits on it, and loading it
 * costs about 1 ms of start-up. `fs.promises` is a getter that loads the module when first read.
 */
import fs from 'node:fs';

export const fsp = (): typeof fs.promises => fs.promises;
