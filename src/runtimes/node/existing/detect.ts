/** Whether a directory holds a Node service rather than a Python one (cheap: no parser is loaded). */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** A Python project may carry a package.json for its front end: any of these makes it a Python service. */
const PYTHON_MARKERS = ['pyproject.toml', 'requirements.txt', 'setup.py', 'setup.cfg', 'manage.py', 'Pipfile'];

export function isNodeService(root: string): boolean {
  return existsSync(path.join(root, 'package.json')) && !PYTHON_MARKERS.some((f) => existsSync(path.join(root, f)));
}
