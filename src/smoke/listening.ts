/**
 * The TCP ports a started service's process tree listens on, read from /proc (Linux): a service that
 * listens on a port of its own (API_PORT, a config file) rather than the PORT it was given can still be
 * found and tested, whatever its runtime. Elsewhere nothing is found and the given port is all there is.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const LISTEN = '0A';

/** `pid` and every process below it (workers, a shell's child), from each process's parent in /proc/<pid>/stat. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Inodes of the sockets a process has open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Listening sockets in a process's network namespace: inode -> port. */
function listeningSockets(pid: number): Map<string, number> {
  const sockets = new Map<string, number>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      sockets.set(f[9]!, Number.parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return sockets;
}

/** The ports `pid` and its descendants listen on, ascending; empty where /proc cannot tell. */
export function listeningPorts(pid: number): number[] {
  const ports = new Set<number>();
  for (const p of processTree(pid)) {
    const inodes = socketInodes(p);
    if (inodes.size === 0) continue;
    for (const [inode, port] of listeningSockets(p)) if (inodes.has(inode)) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}
