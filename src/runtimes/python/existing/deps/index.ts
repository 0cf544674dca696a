/**
 * The project's dependency files: requirements*.txt, pyproject.toml (PEP 621 — which covers uv projects —
 * or Poetry), setup.cfg and Pipfile, one module per format. Reading goes through real parsers (smol-toml for TOML);
 * editing is surgical text insertion/replacement so that every line we do not need to change stays
 * byte-identical, comments and formatting included. Everything here is pure: text in, text out.
 */
export type { DeclaredRequirement, DependencyFile, DependencyFileKind, EditRequest, EditResult } from './types.js';
export { normalizeName } from './text.js';
export { editRequirementsText, readRequirementsFile } from './requirements.js';
export { editPep621Text, readPyproject } from './pep621.js';
export { editPoetryText, poetryInstallLines, poetryToPep440 } from './poetry.js';
export { editSetupCfgText, readSetupCfg } from './setup-cfg.js';
export { editPipfileText, PIPFILE, readPipfile } from './pipfile.js';
export {
  editDependencyText,
  isOtelPackage,
  matchedSet,
  matchedVersion,
  mismatchedOtelVersions,
  orderedFiles,
  planDependencies,
  type DependencyPlan,
} from './plan.js';
