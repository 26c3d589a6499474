/**
 * Reads a config file into named values. A JSON object gives its members by dotted path (`db.host`, and `db` for the
 * whole object); any other text is read as `name = value` (or `name: value`) lines, with `[section]` lines prefixing
 * the names after them (`section.name`) and `#` or `;` starting a comment line. Values of such lines are strings.
 */
export function readConfigValues(text: string): Map<string, unknown> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        const values = new Map<string, unknown>();
        addMembers(values, '', parsed as Record<string, unknown>);
        return values;
      }
    } catch {
      // not JSON after all: read it as lines
    }
  }
  return readLines(text);
}

function addMembers(values: Map<string, unknown>, prefix: string, object: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(object)) {
    const path = prefix + name;
    values.set(path, value);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      addMembers(values, `${path}.`, value as Record<string, unknown>);
  }
}

function readLines(text: string): Map<string, unknown> {
  const values = new Map<string, unknown>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      section = line.slice(1, -1).trim();
      continue;
    }
    const at = firstSeparator(line);
    if (at <= 0) continue;
    const name = line.slice(0, at).trim();
    const value = unquote(line.slice(at + 1).trim());
    values.set(section ? `${section}.${name}` : name, value);
  }
  return values;
}

/** The first `=` or `:` of a line (a value may hold either after it). */
function firstSeparator(line: string): number {
  const eq = line.indexOf('=');
  const colon = line.indexOf(':');
  if (eq < 0) return colon;
  if (colon < 0) return eq;
  return Math.min(eq, colon);
}

function unquote(value: string): string {
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
    return value.slice(1, -1);
  }
  return value;
}
