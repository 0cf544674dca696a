/** What the dependency-file readers produce and the editors take. */
import type { PythonPackage } from '../../../../catalog/python-sets.js';

export type DependencyFileKind = 'requirements' | 'pep621' | 'poetry' | 'setup.cfg' | 'pipfile';

export interface DeclaredRequirement {
  /** PEP 503-normalized distribution name. */
  name: string;
  /** The name as written. */
  written: string;
  /** Version constraint as written (PEP 440 or, for Poetry, Poetry's syntax); '' when unconstrained. */
  spec: string;
  /** The exact version when the constraint is an exact pin (`==1.2.3`, or a bare Poetry version). */
  exact?: string;
  /** 1-based line of the declaration. */
  line: number;
  /** Not editable in place (URL, path or git requirement, hash-pinned, continued line, ...). */
  locked?: string;
}

export interface DependencyFile {
  path: string;
  kind: DependencyFileKind;
  requirements: DeclaredRequirement[];
  /** requirements files only: `-r`/`-c` targets, resolved relative to the project root. */
  includes: string[];
  /** Set when the file could not be parsed; nothing is edited then. */
  error?: string;
}

export interface EditResult {
  text: string;
  added: PythonPackage[];
  aligned: { name: string; from: string; to: string; line: number }[];
  /** Declarations that needed aligning but could not be edited in place. */
  skipped: { name: string; reason: string; line: number }[];
}

export interface EditRequest {
  /** Packages to add when the file does not declare them. */
  add: PythonPackage[];
  /** Declared packages whose constraint must become exactly `version` (normalized name -> version). */
  align: Map<string, string>;
  /** Comment line put above an appended block (without '# '). */
  header?: string;
}
