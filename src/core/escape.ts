/**
 * Escapers for every language a user-typed value can land in. Each returns a complete literal
 * (quotes included) that, parsed by that language, yields exactly the input string.
 */

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

// Non-printable: C0/C1 controls, DEL, line/paragraph separators, BOM, and lone surrogates.
const NON_PRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Invisible format characters (bidirectional controls, zero-width characters, tags): written as escapes,
// so that code never reads differently from how it runs ("Trojan Source").
const FORMAT = /\p{Cf}/gu;

/** `\uXXXX` or `\UXXXXXXXX`, the escape Python, TOML and YAML share. */
const unicodeEscape = (c: string) => {
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\U${hex(code, 8)}` : `\\u${hex(code, 4)}`;
};

/** Python str literal in double quotes; source files are UTF-8, so printable unicode stays as is. */
export function pythonString(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(NON_PRINTABLE, (c) => {
      const code = c.charCodeAt(0);
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
    })
    .replace(FORMAT, unicodeEscape);
  return `"${body}"`;
}

/** TOML basic string. */
export function tomlString(value: string): string {
  if (/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    throw new Error('TOML strings cannot hold lone surrogates');
  }
  return `"${doubleQuotedBody(value)}"`;
}

/** The body of a double-quoted TOML or YAML string: backslash escapes, and \u escapes for what cannot stand raw. */
function doubleQuotedBody(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(NON_PRINTABLE, (c) => {
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      if (c === '\r') return '\\r';
      return `\\u${hex(c.charCodeAt(0), 4)}`;
    })
    .replace(FORMAT, unicodeEscape);
}

/** YAML double-quoted scalar. */
export function yamlString(value: string): string {
  return `"${doubleQuotedBody(value)}"`;
}

/** YAML scalar inside a compose file, where `$` starts variable interpolation and must be doubled. */
export function composeString(value: string): string {
  return yamlString(value.replace(/\$/g, '$$$$'));
}

/** POSIX shell word. */
export function shellWord(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Markdown inline text: every character that could start markup is backslash-escaped. */
export function markdownText(value: string): string {
  return value
    .replace(/[\\`*_{}[\]()#+\-.!|~>]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/[\r\n]+/g, ' ')
    .replace(FORMAT, (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`);
}

/** Markdown code span, fenced with more backticks than the value contains in a row. */
export function markdownCode(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value.replace(/[\r\n]+/g, ' ')}${pad}${fence}`;
}

/**
 * JavaScript/TypeScript string literal in single quotes. Line terminators (U+2028/2029 included), other
 * controls, lone surrogates and invisible format characters become escapes; printable unicode stays.
 */
export function jsString(value: string): string {
  const body = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(NON_PRINTABLE, (c) => {
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      if (c === '\t') return '\\t';
      return `\\u${hex(c.charCodeAt(0), 4)}`;
    })
    .replace(FORMAT, (c) => {
      const code = c.codePointAt(0)!;
      return code > 0xffff ? `\\u{${hex(code, 0)}}` : `\\u${hex(code, 4)}`;
    });
  return `'${body}'`;
}

// What a terminal acts on: C0 controls but newline and tab, DEL, C1 controls (0x9b is a one-byte CSI).
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Colour codes (SGR) of the styles this CLI uses: bold, dim, and foreground colours that stay readable (no
// black, no background, no concealed or inverse text that could hide a line of a diff). Cursor moves,
// screen clears, OSC (titles, clipboard, hyperlinks) and every other sequence are escaped even with keepColors.
const SGR = /\u001b\[([0-9;]*)m/g;
const OUR_STYLES = new Set(['', '0', '1', '2', '22', '31', '32', '33', '34', '35', '36', '39', '90']);
const SGR_SENTINEL = '\u0000';

/**
 * Text for a terminal. Everything printed that comes from a repository (paths, package.json scripts, file
 * contents in a diff) or from a service (span names, its output) goes through here: every control
 * character (ESC, BEL, CR, C1), invisible format character (bidirectional overrides) and lone surrogate
 * becomes a visible escape (`\x1b`, `\r`, `\u202e`), so it cannot move the cursor, hide or reorder text,
 * set the window title or write the clipboard (OSC 52). `keepColors` lets colour codes (SGR) through: the
 * UI applies it to everything it prints, on top of the values escaped where they were read.
 */
export function terminalText(value: string, options: { keepColors?: boolean } = {}): string {
  const kept: string[] = [];
  const text = options.keepColors
    ? value
        .replace(/\u0000/g, '\\x00')
        .replace(SGR, (sgr, params: string) =>
          params.split(';').every((p) => OUR_STYLES.has(p)) ? (kept.push(sgr), SGR_SENTINEL) : sgr,
        )
    : value;
  const escaped = text
    .replace(TERMINAL_CONTROL, (c) => {
      if (c === SGR_SENTINEL && options.keepColors) return c;
      if (c === '\r') return '\\r';
      return `\\x${hex(c.charCodeAt(0), 2)}`;
    })
    .replace(FORMAT, unicodeEscape)
    .replace(/[\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, unicodeEscape);
  if (!options.keepColors) return escaped;
  let i = 0;
  return escaped.replace(/\u0000/g, () => kept[i++] ?? '');
}
