import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// cli/dist/test/unit/errors-doc.spec.js: three levels up is cli/, one more the repo root.
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const DOC = join(REPO_ROOT, 'docs', 'errors.md');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'web']);

/** A code as the house style writes them: upper case words joined by underscores. */
const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/;
/** Also single words (INTERNAL) where the context says it is a code (an `…ErrorCode` object, a `code:` property). */
const WORD_CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;
/** Errors whose first constructor argument is never a code. */
const NOT_CODE_CLASSES = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'AggregateError']);

/** Where a code was found: repo-relative paths of the files that raise or define it. */
type CodeSources = Map<string, Set<string>>;

function sourceRoots(): string[] {
  const roots: string[] = [];
  for (const group of ['libs', 'services']) {
    for (const name of readdirSync(join(REPO_ROOT, group))) {
      const src = join(REPO_ROOT, group, name, 'src');
      if (isDir(src)) roots.push(src);
    }
  }
  for (const src of [join(REPO_ROOT, 'agent', 'src'), join(REPO_ROOT, 'cli', 'src')]) if (isDir(src)) roots.push(src);
  return roots;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) tsFiles(join(dir, entry.name), out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** Index just after the first argument of a call whose `(` is at `open` (skips strings, templates and nesting). */
function firstArgument(text: string, open: number): string {
  let depth = 0;
  let i = open + 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = skipString(text, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
  }
  return text.slice(open + 1, i).trim();
}

/** Index of the closing quote of the string literal starting at `start`. */
function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** String literals (quotes or backticks without substitutions) inside an expression. */
function literals(expression: string): string[] {
  return [...expression.matchAll(/'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`$\\]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

interface ConstObject {
  name: string;
  file: string;
  values: Map<string, string>;
}

/** Top-level `const X = { key: 'VALUE', … }` objects (the house style for code tables). */
function constObjects(file: string, text: string): ConstObject[] {
  const found: ConstObject[] = [];
  // Multi-line objects end at a closing brace in column 0; one-line objects on their line.
  const multiLine = /^(?:export\s+)?const\s+(\w+)\s*(?::[^=\n]+)?=\s*\{[ \t]*\n([\s\S]*?)^\}/gm;
  const oneLine = /^(?:export\s+)?const\s+(\w+)\s*(?::[^=\n]+)?=\s*\{([^\n]*)\}/gm;
  for (const m of [...text.matchAll(multiLine), ...text.matchAll(oneLine)]) {
    const values = new Map<string, string>();
    for (const v of m[2]!.matchAll(/(?:^|[{,])\s*['"]?([\w$]+)['"]?\s*:\s*(?:'([^'\n]*)'|"([^"\n]*)")/gm)) values.set(v[1]!, v[2] ?? v[3]!);
    found.push({ name: m[1]!, file, values });
  }
  return found;
}

/** Classes whose first constructor argument is the code: MsecError and its subclasses that pass it on. */
function codeClasses(texts: ReadonlyMap<string, string>): Set<string> {
  const parents = new Map<string, string>();
  const fixedCode = new Set<string>();
  for (const text of texts.values()) {
    for (const m of text.matchAll(/class\s+(\w+)\s+extends\s+(\w+)/g)) {
      parents.set(m[1]!, m[2]!);
      // A class whose own constructor calls super('LITERAL', …) fixes its code (ValidationError): its first argument is something else.
      const nextClass = text.indexOf('class ', m.index + m[0].length);
      const body = text.slice(m.index + m[0].length, nextClass === -1 ? undefined : nextClass);
      const superCall = /\bsuper\(/.exec(body);
      if (superCall && /^['"`]/.test(firstArgument(body, superCall.index + superCall[0].length - 1))) fixedCode.add(m[1]!);
    }
  }
  const classes = new Set(['MsecError']);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, parent] of parents) {
      if (classes.has(parent) && !classes.has(child) && !fixedCode.has(child)) {
        classes.add(child);
        grew = true;
      }
    }
  }
  return classes;
}

/** Every code the source raises on purpose, with the files it comes from; `patterns` holds prefixes of codes built at run time. */
function collectCodes(): { codes: CodeSources; patterns: Set<string> } {
  const texts = new Map<string, string>();
  for (const root of sourceRoots())
    for (const file of tsFiles(root)) texts.set(relative(REPO_ROOT, file).split(sep).join('/'), readFileSync(file, 'utf8'));

  const codes: CodeSources = new Map();
  const patterns = new Set<string>();
  const add = (code: string, file: string): void => {
    if (!codes.has(code)) codes.set(code, new Set());
    codes.get(code)!.add(file);
  };

  const objects = new Map<string, ConstObject[]>();
  for (const [file, text] of texts) {
    for (const object of constObjects(file, text)) {
      objects.set(object.name, [...(objects.get(object.name) ?? []), object]);
      // (a) code tables: every const object of a *.errors.ts file, and any `…Code(s)` object elsewhere (e.g. HTTP_CODES).
      const isCodeTable = /codes?$/i.test(object.name);
      if (!file.endsWith('.errors.ts') && !isCodeTable) continue;
      for (const value of object.values.values())
        if (CODE.test(value) || (/ErrorCodes?$/.test(object.name) && WORD_CODE.test(value))) add(value, file);
    }
  }

  const classes = codeClasses(texts);
  const resolve = (expression: string, file: string): string[] => {
    const member = /^([\w$]+)\.([\w$]+)$/.exec(expression);
    if (member) {
      const candidates = objects.get(member[1]!) ?? [];
      const local = candidates.filter((o) => o.file === file);
      return (local.length > 0 ? local : candidates).map((o) => o.values.get(member[2]!)).filter((v): v is string => v !== undefined);
    }
    const constant = /^[\w$]+$/.test(expression)
      ? new RegExp(`\\bconst\\s+${expression.replace(/\$/g, '\\$')}\\s*=\\s*'([^'\\n]*)'`).exec(texts.get(file)!)
      : null;
    return constant ? [constant[1]!] : literals(expression);
  };
  for (const [file, text] of texts) {
    // (b) new MsecError('CODE', …), new RpcError(RpcErrorCode.x, …), a ternary of literals, …
    for (const m of text.matchAll(/\bnew\s+(\w+)\s*\(/g)) {
      if (!classes.has(m[1]!) || NOT_CODE_CLASSES.has(m[1]!)) continue;
      for (const code of resolve(firstArgument(text, m.index + m[0].length - 1), file)) if (WORD_CODE.test(code)) add(code, file);
    }
    // … and classes that fix their code: super('VALIDATION_FAILED', …).
    for (const m of text.matchAll(/\bsuper\s*\(/g)) {
      for (const code of literals(firstArgument(text, m.index + m[0].length - 1))) if (CODE.test(code)) add(code, file);
    }
    // (c) error payloads built by hand: { code: 'INTERNAL', … }.
    for (const m of text.matchAll(/\bcode\s*:\s*'([A-Z][A-Z0-9_]*)'/g)) if (WORD_CODE.test(m[1]!)) add(m[1]!, file);
    // Codes built at run time: `RPC_REMOTE_${n}`, `HTTP_${status}` (documented as RPC_REMOTE_<n>, HTTP_<status>).
    for (const m of text.matchAll(/`([A-Z][A-Z0-9]*_(?:[A-Z0-9]+_)*)\$\{/g)) patterns.add(m[1]!);
  }
  return { codes, patterns };
}

interface DocRow {
  code: string;
  line: number;
  cells: string[];
}

/** Rows of every table in docs/errors.md whose first cell is a code (or a pattern such as RPC_REMOTE_<n>). */
function documentedRows(): DocRow[] {
  const rows: DocRow[] = [];
  readFileSync(DOC, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const line = raw.trim();
      if (!line.startsWith('|')) return;
      const cells = line
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((c) => c.trim());
      const code = cells[0]!.replace(/`/g, '');
      if (/^-+$/.test(code) || code.toLowerCase() === 'code') return;
      rows.push({ code, line: index + 1, cells });
    });
  return rows;
}

/** A documented pattern row (RPC_REMOTE_<n>, HTTP_<status>) stands for codes built at run time. */
const isPattern = (code: string): boolean => /<[^>]+>/.test(code);

test('errors - every code raised is documented in docs/errors.md', () => {
  const { codes, patterns } = collectCodes();
  const rows = documentedRows();
  const documented = new Set(rows.map((r) => r.code));
  const problems: string[] = [];

  const missing = [...codes.keys()].filter((c) => !documented.has(c)).sort();
  if (missing.length > 0) {
    problems.push(
      `${missing.length} code(s) raised but not in docs/errors.md (add a row "| CODE | status | meaning | fix |"):`,
      ...missing.map((c) => `  ${c.padEnd(36)} from ${[...codes.get(c)!].sort().join(', ')}`),
    );
  }

  const stale = rows.filter((r) => (isPattern(r.code) ? !patterns.has(r.code.slice(0, r.code.indexOf('<'))) : !codes.has(r.code)));
  if (stale.length > 0) {
    problems.push(
      `${stale.length} row(s) in docs/errors.md name a code no source raises any more (remove or rename them):`,
      ...stale.map((r) => `  ${r.code.padEnd(36)} docs/errors.md:${r.line}`),
    );
  }

  const bad = rows.filter((r) => !(CODE.test(r.code) || WORD_CODE.test(r.code) || isPattern(r.code)));
  const seen = new Map<string, number>();
  for (const r of rows) {
    if (seen.has(r.code)) problems.push(`  ${r.code} is documented twice: docs/errors.md:${seen.get(r.code)} and :${r.line}`);
    else seen.set(r.code, r.line);
    if (r.cells.length !== 4 || r.cells.some((c) => c === '')) {
      problems.push(`  docs/errors.md:${r.line} (${r.code}): a row needs four filled cells | code | status | meaning | fix |`);
    } else if (!/^\d{3}$/.test(r.cells[1]!) && !(isPattern(r.code) && isPattern(r.cells[1]!))) {
      problems.push(`  docs/errors.md:${r.line} (${r.code}): status "${r.cells[1]}" is not an HTTP-like status`);
    }
  }
  for (const r of bad) problems.push(`  docs/errors.md:${r.line}: "${r.code}" is not a code (UPPER_SNAKE_CASE)`);

  assert.ok(codes.size > 0, `no codes found under ${REPO_ROOT}: the walk is broken`);
  if (problems.length > 0) assert.fail(`docs/errors.md is out of step with the source:\n${problems.join('\n')}\n`);
});
