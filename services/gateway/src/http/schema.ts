import type { StandardSchemaV1 } from '@standard-schema/spec';

/** JSON Schema fragment as OpenAPI 3 understands it. */
export type JsonSchema = Record<string, unknown>;

/** One failed check: the dotted path of the field and what is wrong with it. */
interface Issue {
  message: string;
  path: string[];
}

type Check<T> = (value: unknown, path: string[], issues: Issue[]) => T | undefined;

/**
 * A validator that is both a Standard Schema (so NestJS 12 validates `@Body({ schema })` with it)
 * and a source of JSON Schema (so the OpenAPI document is generated from the same object).
 */
export class Schema<T> implements StandardSchemaV1<unknown, T> {
  readonly '~standard': StandardSchemaV1.Props<unknown, T>;

  constructor(
    private readonly check: Check<T>,
    readonly json: JsonSchema,
    readonly isOptional = false,
  ) {
    this['~standard'] = {
      version: 1,
      vendor: 'msec',
      validate: (value: unknown): StandardSchemaV1.Result<T> => {
        const issues: Issue[] = [];
        const out = this.check(value, [], issues);
        return issues.length > 0 ? { issues } : { value: out as T };
      },
    };
  }

  /** Runs the checks at a path inside a larger value. */
  run(value: unknown, path: string[], issues: Issue[]): T | undefined {
    return this.check(value, path, issues);
  }

  /** The same schema, but the field may be absent. */
  optional(): Schema<T | undefined> {
    return new Schema<T | undefined>((v, p, i) => (v === undefined ? undefined : this.check(v, p, i)), this.json, true);
  }

  /** The same schema, but the field may also be JSON `null` (which the handler receives as null). */
  nullable(): Schema<T | null> {
    return new Schema<T | null>((v, p, i) => (v === null ? null : this.check(v, p, i)), { ...this.json, nullable: true }, this.isOptional);
  }

  /** The same schema with a description for the OpenAPI document. */
  describe(description: string): Schema<T> {
    return new Schema<T>(this.check, { ...this.json, description }, this.isOptional);
  }
}

/** The value type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(issues: Issue[], path: string[], message: string): undefined {
  issues.push({ message, path });
  return undefined;
}

/** A string with optional length bounds and pattern; `pattern` comes with a human hint for the error. */
function string(opts: { min?: number; max?: number; pattern?: RegExp; hint?: string } = {}): Schema<string> {
  const json: JsonSchema = { type: 'string' };
  if (opts.min !== undefined) json.minLength = opts.min;
  if (opts.max !== undefined) json.maxLength = opts.max;
  if (opts.pattern) json.pattern = opts.pattern.source;
  return new Schema<string>((v, path, issues) => {
    if (typeof v !== 'string') return fail(issues, path, 'must be a string');
    if (opts.min !== undefined && v.length < opts.min) return fail(issues, path, `must be at least ${opts.min} characters`);
    if (opts.max !== undefined && v.length > opts.max) return fail(issues, path, `must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return fail(issues, path, opts.hint ?? `must match ${opts.pattern.source}`);
    return v;
  }, json);
}

/** An integer; strings of digits are accepted too, since query and path parameters arrive as strings. */
function int(opts: { min?: number; max?: number } = {}): Schema<number> {
  const json: JsonSchema = { type: 'integer' };
  if (opts.min !== undefined) json.minimum = opts.min;
  if (opts.max !== undefined) json.maximum = opts.max;
  return new Schema<number>((v, path, issues) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) return fail(issues, path, 'must be an integer');
    if (opts.min !== undefined && n < opts.min) return fail(issues, path, `must be ≥ ${opts.min}`);
    if (opts.max !== undefined && n > opts.max) return fail(issues, path, `must be ≤ ${opts.max}`);
    return n;
  }, json);
}

/** A finite number (a JSON body field: not parsed from strings). */
function number(opts: { min?: number; max?: number } = {}): Schema<number> {
  const json: JsonSchema = { type: 'number' };
  if (opts.min !== undefined) json.minimum = opts.min;
  if (opts.max !== undefined) json.maximum = opts.max;
  return new Schema<number>((v, path, issues) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(issues, path, 'must be a number');
    if (opts.min !== undefined && v < opts.min) return fail(issues, path, `must be ≥ ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) return fail(issues, path, `must be ≤ ${opts.max}`);
    return v;
  }, json);
}

/** A boolean; "true"/"false" strings are accepted for query parameters. */
function boolean(): Schema<boolean> {
  return new Schema<boolean>(
    (v, path, issues) => {
      if (v === 'true' || v === true) return true;
      if (v === 'false' || v === false) return false;
      return fail(issues, path, 'must be true or false');
    },
    { type: 'boolean' },
  );
}

/** One of a closed set of strings. */
function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  return new Schema<V>(
    (v, path, issues) =>
      typeof v === 'string' && (values as readonly string[]).includes(v)
        ? (v as V)
        : fail(issues, path, `must be one of ${values.join(', ')}`),
    { type: 'string', enum: [...values] },
  );
}

/** A list of items each checked by `item`, with optional length bounds. */
function array<T>(item: Schema<T>, opts: { min?: number; max?: number } = {}): Schema<T[]> {
  const json: JsonSchema = { type: 'array', items: item.json };
  if (opts.min !== undefined) json.minItems = opts.min;
  if (opts.max !== undefined) json.maxItems = opts.max;
  return new Schema<T[]>((v, path, issues) => {
    if (!Array.isArray(v)) return fail(issues, path, 'must be a list');
    if (opts.min !== undefined && v.length < opts.min) return fail(issues, path, `must list at least ${opts.min}`);
    if (opts.max !== undefined && v.length > opts.max) return fail(issues, path, `must list at most ${opts.max}`);
    const before = issues.length;
    const out = v.map((x, i) => item.run(x, [...path, String(i)], issues) as T);
    return issues.length > before ? undefined : out;
  }, json);
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape> = { [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]> } & {
  [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Infer<S[K]>;
};

/** An object with known fields; unknown fields are refused so typos do not pass silently. */
function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const required = Object.entries(shape)
    .filter(([, s]) => !s.isOptional)
    .map(([k]) => k);
  const properties = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.json]));
  return new Schema<ObjectOf<S>>(
    (v, path, issues) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(issues, path, 'must be a JSON object');
      const input = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(input)) {
        if (!(key in shape)) fail(issues, [...path, key], 'is not a known field');
      }
      for (const [key, schema] of Object.entries(shape)) {
        if (input[key] === undefined && !schema.isOptional) {
          fail(issues, [...path, key], 'is required');
          continue;
        }
        const value = schema.run(input[key], [...path, key], issues);
        if (value !== undefined) out[key] = value;
      }
      return out as ObjectOf<S>;
    },
    { type: 'object', properties, required, additionalProperties: false },
  );
}

/** Builders of request schemas: `s.object({ name: s.string({ min: 1 }) })`. */
export const s = { string, int, number, boolean, oneOf, object, array } as const;
