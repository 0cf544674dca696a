/** --open: the page in the desktop's browser, best effort (a headless machine has none, and that is fine). */
import { spawn } from 'node:child_process';

export function browserCommand(platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return ['xdg-open'];
}

/** Starts the browser detached; false when no opener could be started. */
export function openInBrowser(url: string): Promise<boolean> {
  const [command, ...args] = browserCommand();
  return new Promise((resolve) => {
    const child = spawn(command as string, [...args, url], { detached: true, stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
