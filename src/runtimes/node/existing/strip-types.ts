/**
 * TypeScript to JavaScript by erasing the type syntax (as Node's own type stripping does): the generated
 * services' TypeScript templates become the plain `.mjs` bootstrap of an existing service, one source for
 * both. Only erasable syntax is accepted; an enum, a namespace or a parameter property is an error.
 */
import { parse } from '@babel/parser';
import type { Node } from '@babel/types';

type Range = [number, number];

const UNSUPPORTED = new Set([
  'TSEnumDeclaration',
  'TSModuleDeclaration',
  'TSParameterProperty',
  'TSImportEqualsDeclaration',
]);
const WHOLE = new Set(['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSDeclareFunction']);
const MODIFIERS = /\b(override|public|private|protected|readonly|declare|abstract)\s+/g;

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.endsWith('Comments') || key === 'loc') continue;
    if (Array.isArray(value)) {
      for (const v of value)
        if (v && typeof v === 'object' && typeof (v as Node).type === 'string') out.push(v as Node);
    } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') out.push(value as Node);
  }
  return out;
}

/** A whole statement with the rest of its line (and the line break) when nothing else is on it. */
function statementRange(text: string, node: Node): Range {
  let end = node.end!;
  const rest = /^[ \t]*\r?\n/.exec(text.slice(end));
  if (rest) end += rest[0].length;
  return [node.start!, end];
}

/** Whole import and re-export statements of the modules inlined into the same file. */
function droppedImportRanges(text: string, body: Node[], dropImports: string[] | undefined): Range[] {
  const ranges: Range[] = [];
  for (const statement of body) {
    const source =
      statement.type === 'ImportDeclaration' ||
      statement.type === 'ExportAllDeclaration' ||
      statement.type === 'ExportNamedDeclaration'
        ? statement.source?.value
        : undefined;
    if (source !== undefined && dropImports?.includes(source)) ranges.push(statementRange(text, statement));
  }
  return ranges;
}

/** `import { type A, b }`: the type-only specifiers, with the comma that joins them to the others. */
function typeSpecifierRanges(node: Node, ranges: Range[]): void {
  if (node.type !== 'ImportDeclaration') return;
  const specs = node.specifiers;
  specs.forEach((s, i) => {
    if (s.type !== 'ImportSpecifier' || s.importKind !== 'type') return;
    ranges.push(i > 0 ? [specs[i - 1]!.end!, s.end!] : [s.start!, specs[i + 1]?.start ?? s.end!]);
  });
}

/** Type annotations, return types and type parameters/arguments of a node, and the `?` of `x?: T`. */
function annotationRanges(node: Node, ranges: Range[]): void {
  const n = node as Node & Record<string, unknown>;
  for (const key of ['typeAnnotation', 'returnType', 'typeParameters', 'typeArguments'] as const) {
    const t = n[key] as Node | undefined;
    if (
      t &&
      typeof t === 'object' &&
      /^TS/.test(t.type) &&
      node.type !== 'TSAsExpression' &&
      node.type !== 'TSSatisfiesExpression'
    ) {
      ranges.push([t.start!, t.end!]);
      if (node.type === 'Identifier' && node.optional && key === 'typeAnnotation')
        ranges.push([node.start! + node.name.length, t.start!]);
    }
  }
}

/** A class's `implements` clause and its members' modifiers (private, readonly, override ...). */
function classSyntaxRanges(text: string, node: Node, ranges: Range[]): void {
  if ((node.type === 'ClassDeclaration' || node.type === 'ClassExpression') && node.implements?.length) {
    const first = node.implements[0]!;
    let kw = text.lastIndexOf('implements', first.start!);
    while (kw > 0 && /[ \t]/.test(text[kw - 1]!)) kw--;
    ranges.push([kw, node.implements.at(-1)!.end!]);
  }
  if ((node.type === 'ClassMethod' || node.type === 'ClassProperty') && node.key.start! > node.start!) {
    const head = text.slice(node.start!, node.key.start!);
    for (const m of head.matchAll(MODIFIERS)) ranges.push([node.start! + m.index, node.start! + m.index + m[0].length]);
  }
}

/** Children that may hold JavaScript (or syntax to refuse): type nodes other than these hold only types. */
const visitsChild = (child: Node) =>
  !/^TS/.test(child.type) ||
  WHOLE.has(child.type) ||
  child.type === 'TSAsExpression' ||
  child.type === 'TSSatisfiesExpression' ||
  child.type === 'TSNonNullExpression' ||
  UNSUPPORTED.has(child.type);

/** The text without the ranges; a range inside one removed already is skipped. */
function removeRanges(text: string, ranges: Range[]): string {
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue; // inside a range already removed
    out += text.slice(at, start);
    at = end;
  }
  return out + text.slice(at);
}

export function stripTypes(text: string, options: { dropImports?: string[] } = {}): string {
  const ast = parse(text, { sourceType: 'module', plugins: ['typescript'], createParenthesizedExpressions: true });
  const ranges = droppedImportRanges(text, ast.program.body, options.dropImports);
  const visit = (node: Node, parent: Node | undefined): void => {
    if (UNSUPPORTED.has(node.type)) throw new Error(`${node.type} at line ${node.loc?.start.line} is not erasable`);
    if (WHOLE.has(node.type)) {
      ranges.push(statementRange(text, parent?.type === 'ExportNamedDeclaration' ? parent : node));
      return;
    }
    if (
      (node.type === 'ImportDeclaration' && node.importKind === 'type') ||
      (node.type === 'ExportNamedDeclaration' && node.exportKind === 'type')
    ) {
      ranges.push(statementRange(text, node));
      return;
    }
    typeSpecifierRanges(node, ranges);
    annotationRanges(node, ranges);
    classSyntaxRanges(text, node, ranges);
    if (node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression') {
      ranges.push([node.expression.end!, node.end!]);
      visit(node.expression, node);
      return;
    }
    if (node.type === 'TSNonNullExpression') ranges.push([node.end! - 1, node.end!]);
    for (const child of children(node)) if (visitsChild(child)) visit(child, node);
  };
  visit(ast.program, undefined);
  return removeRanges(text, ranges);
}
