/**
 * A Node service's memory after the load, split the way V8 and Node account for it: Node's diagnostic report
 * (written on a signal, `--report-on-signal`) gives the JS heap (code and objects) and external memory
 * (Buffers); the rest of the RSS is native (the node binary's pages touched, libuv, malloc).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './proc.mjs';
import { WORK } from './paths.mjs';

const REPORT_SIGNAL = 'SIGUSR2';
const MiB = 1024 * 1024;
let seq = 0;

/** Node flags that make the service write its report to `file` on REPORT_SIGNAL. */
export function reportFlags(file) {
  return [
    '--report-on-signal',
    `--report-signal=${REPORT_SIGNAL}`,
    `--report-directory=${path.dirname(file)}`,
    `--report-filename=${path.basename(file)}`,
  ];
}

/** A fresh report file name under .work/logs/. */
export function reportFile(label) {
  const dir = path.join(WORK, 'logs', 'node-reports');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${label}-${process.pid}-${++seq}.json`);
  rmSync(file, { force: true });
  return file;
}

const CODE_SPACES = ['code_space', 'code_large_object_space', 'trusted_space', 'trusted_large_object_space'];

/** The RSS of the group, then the report's split; RSS is read first (writing the report allocates). */
export async function memoryAfterLoad(svc, file) {
  const rssMiB = svc.rssMiB();
  svc.signal(REPORT_SIGNAL);
  let report;
  for (let i = 0; i < 50 && !report; i++) {
    await sleep(100);
    try {
      if (existsSync(file)) report = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      /* still being written */
    }
  }
  if (!report) return { rssMiB };
  const heap = report.javascriptHeap;
  const spaces = heap.heapSpaces ?? {};
  const codeUsed = CODE_SPACES.reduce((a, k) => a + (spaces[k]?.used ?? 0), 0);
  const heapCommittedMiB = heap.totalCommittedMemory / MiB;
  const externalMiB = heap.externalMemory / MiB;
  return {
    rssMiB,
    heapCommittedMiB,
    heapUsedMiB: heap.usedMemory / MiB,
    codeUsedMiB: codeUsed / MiB,
    objectsUsedMiB: (heap.usedMemory - codeUsed) / MiB,
    externalMiB,
    nativeMiB: rssMiB - heapCommittedMiB - externalMiB,
  };
}
