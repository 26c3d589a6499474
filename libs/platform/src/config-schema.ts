import { MsecError } from '@msec/contracts';

/** The kinds of value a config key may hold. */
export const ConfigType = { string: 'string', integer: 'integer', port: 'port', boolean: 'boolean', url: 'url', oneOf: 'oneOf' } as const;
/** One of ConfigType. */
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType];

/** One key of a config schema. */
export interface ConfigField {
  type: ConfigType;
  /** Environment variable that overrides the file value. */
  env?: string;
  default?: string | number | boolean;
  required?: boolean;
  /** Accepted values for oneOf; accepted URL schemes (e.g. ['nats:']) for url. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Further check of a set value: returns what is wrong with it (without echoing secrets), or undefined. */
  check?: (value: string) => string | undefined;
  description: string;
}

/** A schema: key → field. */
export type ConfigSchema = Record<string, ConfigField>;

/** The typed result of a schema. */
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K]['type'] extends 'integer' | 'port' ? number : S[K]['type'] extends 'boolean' ? boolean : string;
};

function coerce(key: string, field: ConfigField, raw: unknown): { value?: unknown; problem?: string } {
  switch (field.type) {
    case ConfigType.integer:
    case ConfigType.port: {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n)) return { problem: `${key}: expected a whole number, got ${JSON.stringify(raw)}` };
      const min = field.min ?? (field.type === ConfigType.port ? 1 : Number.MIN_SAFE_INTEGER);
      const max = field.max ?? (field.type === ConfigType.port ? 65535 : Number.MAX_SAFE_INTEGER);
      if (n < min || n > max) return { problem: `${key}: ${n} is out of range; use a value from ${min} to ${max}` };
      return { value: n };
    }
    case ConfigType.boolean: {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'true' || raw === '1') return { value: true };
      if (raw === 'false' || raw === '0') return { value: false };
      return { problem: `${key}: expected true or false, got ${JSON.stringify(raw)}` };
    }
    case ConfigType.url: {
      if (typeof raw !== 'string') return { problem: `${key}: expected a URL string, got ${JSON.stringify(raw)}` };
      for (const part of raw.split(',')) {
        let url: URL;
        try {
          url = new URL(part.trim());
        } catch {
          return { problem: `${key}: "${part}" is not a URL` };
        }
        if (field.values && !field.values.includes(url.protocol)) {
          return { problem: `${key}: scheme "${url.protocol}" is not accepted; use ${field.values.join(' or ')}` };
        }
      }
      return { value: raw };
    }
    case ConfigType.oneOf: {
      if (typeof raw !== 'string' || !field.values?.includes(raw)) {
        return { problem: `${key}: ${JSON.stringify(raw)} is not one of ${(field.values ?? []).join(', ')}` };
      }
      return { value: raw };
    }
    case ConfigType.string:
      if (typeof raw !== 'string') return { problem: `${key}: expected a string, got ${JSON.stringify(raw)}` };
      return { value: raw };
  }
}

/**
 * Validates file values and environment overrides against a schema, with defaults from the schema.
 * Every failing key is named in one error; unknown file keys are rejected; the result is frozen.
 */
export function resolveConfig<S extends ConfigSchema>(
  schema: S,
  fileValues: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  source = 'configuration',
): ConfigOf<S> {
  const problems: string[] = [];
  for (const key of Object.keys(fileValues)) {
    if (!(key in schema)) problems.push(`${key}: unknown key; known keys are ${Object.keys(schema).join(', ')}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const fromEnv = field.env !== undefined ? env[field.env] : undefined;
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : key in fileValues ? fileValues[key] : field.default;
    if (raw === undefined) {
      if (field.required) problems.push(`${key}: required${field.env ? ` (set it in the file or with ${field.env})` : ''}`);
      continue;
    }
    // An empty optional value means "not set" (e.g. no external server given), so it is not type-checked.
    if (raw === '' && !field.required) {
      result[key] = '';
      continue;
    }
    const label = fromEnv !== undefined && fromEnv !== '' && field.env ? `${key} (from ${field.env})` : key;
    const { value, problem } = coerce(label, field, raw);
    const checked = problem ?? (field.check && typeof value === 'string' ? field.check(value) : undefined);
    if (problem) problems.push(problem);
    else if (checked) problems.push(`${label}: ${checked}`);
    else result[key] = value;
  }
  if (problems.length > 0) {
    throw new MsecError('CONFIG_INVALID', `invalid ${source}:\n  - ${problems.join('\n  - ')}`, {
      status: 400,
      data: { problems, fields: problems.map((p) => p.split(':')[0]) },
    });
  }
  return Object.freeze(result) as ConfigOf<S>;
}
