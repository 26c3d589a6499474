import { MsecError } from '@msec/contracts';
import { Schema, s } from '../http/schema.js';
import { serviceName } from '../services/services.schemas.js';

type Issues = Parameters<Schema<unknown>['run']>[2];

/** JSON uploads carry the tarball base64 in the request body; larger packages go as application/octet-stream. */
export const MAX_JSON_PACKAGE_BYTES = 700 * 1024;

/** Version tags of IDL, config and packages, as the deploy service accepts them. */
export const tag = s.string({
  min: 1,
  max: 64,
  pattern: /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/,
  hint: 'must be 1-64 of letters, digits, "_", ".", "+", "-", starting with a letter or digit, e.g. 1.2.0',
});

/** A package name as in manifest.json. */
export const packageName = s.string({
  min: 1,
  max: 128,
  pattern: /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/,
  hint: 'must be a package name (letters, digits, "_", ".", "-"), e.g. echo-svc',
});

/** A host id as the agent announces it. */
export const hostId = s.string({ min: 1, max: 128, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, hint: 'must be a host id, e.g. host-a' });

/** A release plan id. */
export const planId = s.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, hint: 'must be a plan id from GET /api/v1/releases' });

/** A list of 1..200 distinct host ids. */
export const hostList = new Schema<string[]>(
  (v, path, issues: Issues) => {
    if (!Array.isArray(v) || v.length === 0 || v.length > 200) {
      issues.push({ path, message: 'must list 1 to 200 host ids, e.g. ["host-a"] (see GET /api/v1/hosts)' });
      return undefined;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      const id = hostId.run(item, [...path, String(i)], issues);
      if (id === undefined) return;
      if (out.includes(id)) issues.push({ path: [...path, String(i)], message: `${id} is listed twice` });
      out.push(id);
    });
    return out;
  },
  { type: 'array', minItems: 1, maxItems: 200, items: hostId.json },
);

/** IDL files: `{"x.proto": "source"}`, 1..50 files. */
export const idlFiles = new Schema<Record<string, string>>(
  (v, path, issues: Issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0 || Object.keys(v).length > 50) {
      issues.push({ path, message: 'must be an object {"name.proto": "source text"} with 1 to 50 files' });
      return undefined;
    }
    const out: Record<string, string> = {};
    for (const [name, source] of Object.entries(v as Record<string, unknown>)) {
      if (!/^[A-Za-z0-9_./-]+\.proto$/.test(name) || name.includes('..') || name.startsWith('/'))
        issues.push({ path: [...path, name], message: 'file names end in .proto and stay relative (no "..")' });
      else if (typeof source !== 'string') issues.push({ path: [...path, name], message: 'must be the file text' });
      else out[name] = source;
    }
    return out;
  },
  { type: 'object', additionalProperties: { type: 'string' }, example: { 'echo.proto': 'syntax = "proto3"; …' } },
);

/** POST /idl. */
export const idlAddBody = s.object({ service: serviceName, tag, memo: s.string({ max: 512 }).optional(), files: idlFiles });
/** POST /configs. */
export const configAddBody = s.object({
  service: serviceName,
  tag,
  memo: s.string({ max: 512 }).optional(),
  content: s.string({ max: 512 * 1024 }).describe('the whole config file (at most 512 KiB)'),
});
/** POST /configs/rollback. */
export const configRollbackBody = s.object({
  service: serviceName,
  to: tag.describe('the version to make current again'),
  tag: tag.optional().describe('tag of the new copy; default "<to>-rollback-<n>"'),
});
/** POST /configs/publish. */
export const configPublishBody = s.object({
  service: serviceName,
  tag: tag.describe('the version to publish live to the running instances'),
});
/** GET /idl, /configs. */
export const serviceQuery = s.object({ service: serviceName });
/** GET /idl/diff, /configs/diff. */
export const diffQuery = s.object({ service: serviceName, from: tag, to: tag });
/** GET /packages. */
export const packagesQuery = s.object({ name: packageName.optional() });
/** POST /packages as JSON. */
export const packageJsonBody = s.object({
  contentBase64: s
    .string({ min: 1 })
    .describe(
      `the tar.gz, base64 (at most ${MAX_JSON_PACKAGE_BYTES / 1024} KiB before encoding; send larger ones as application/octet-stream)`,
    ),
  sha256: s
    .string({ pattern: /^[0-9a-f]{64}$/, hint: 'must be the lower-case hex SHA-256 of the tarball' })
    .optional()
    .describe('checked by the deploy service; computed here when absent'),
});
/** POST /packages as application/octet-stream: the manifest must agree with these when given. */
export const packageUploadQuery = s.object({ name: packageName.optional(), version: tag.optional() });

/** How a plan walks its hosts. */
const strategy = s.object({
  canary: s.boolean().optional().describe('first host alone, then batches (default true)'),
  batchSize: s.int({ min: 1, max: 1000 }).optional().describe('hosts per batch after the canary (default 1)'),
  pauseAfterCanary: s.boolean().optional().describe('stop after the canary until resumed (default false)'),
  stabilizeMs: s.int({ min: 0, max: 600_000 }).optional().describe('health gate wait after start (default 2000)'),
  healthTimeoutMs: s.int({ min: 100, max: 60_000 }).optional().describe('how long an instance may take to listen (default 10000)'),
});

/** POST /releases. */
export const releaseCreateBody = s.object({
  service: serviceName,
  packageName: packageName.optional().describe('the package to release; leave it and packageVersion out for a config-only release'),
  packageVersion: tag.optional(),
  configTag: tag.optional().describe('config version to ship; alone (no package), a config-only release'),
  idlTag: tag.optional(),
  port: s
    .int({ min: 1, max: 65_535 })
    .optional()
    .describe('port the instances listen on; required unless config-only (then the port they run on)'),
  hosts: hostList,
  strategy: strategy.optional(),
});
/** GET /releases. */
export const releasesQuery = s.object({
  service: serviceName.optional(),
  limit: s.int({ min: 1, max: 200 }).optional().describe('items per page, 1..200, default 50'),
  cursor: s.string({ min: 1, max: 200 }).optional().describe("opaque: the previous page's nextCursor"),
});
/** GET /hosts/audit. */
export const auditQuery = s.object({
  hostId: hostId.optional(),
  commandId: s.string({ min: 1, max: 64 }).optional(),
  outcome: s.oneOf(['executed', 'failed', 'refused'] as const).optional(),
  limit: s.int({ min: 1, max: 1000 }).optional().describe('newest first, 1..1000, default 100'),
});
/** POST /keys/rotate. */
export const rotateBody = s.object({
  overlapSeconds: s.int({ min: 0, max: 2_592_000 }).optional().describe('how long agents still accept the old key (default 3600)'),
});
/** POST /hosts/enrollments. */
export const enrollBody = s.object({
  hostId: s
    .string({ min: 1, max: 100, pattern: /^[A-Za-z0-9_-]+$/, hint: "must be the new host's id: letters, digits, '-' or '_', e.g. web-03" })
    .describe('id the new host will have in the console'),
  ttlMinutes: s.int({ min: 1, max: 10_080 }).optional().describe('minutes the token stays redeemable (default 60, at most 7 days)'),
});
/** POST /hosts/enroll (the new host's agent, without credentials). */
export const redeemBody = s.object({
  token: s.string({ min: 1, max: 200, hint: 'must be the enrolment token an admin created (msec_enroll_…)' }),
});
/** An enrolment token id. */
export const enrollmentId = s.string({
  min: 1,
  max: 64,
  pattern: /^[A-Za-z0-9-]+$/,
  hint: 'must be an id from GET /api/v1/hosts/enrollments',
});
/** POST /hosts/{hostId}/commands. */
export const commandBody = s.object({
  type: s.oneOf(['put-file', 'get-file', 'install-package', 'start-instance', 'stop-instance', 'restart-instance', 'exec'] as const),
  args: new Schema<Record<string, unknown>>(
    (v, path, issues: Issues) => {
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
      issues.push({ path, message: 'must be a JSON object of the command arguments (docs/operations.md)' });
      return undefined;
    },
    { type: 'object' },
  ).optional(),
  timeoutMs: s.int({ min: 100, max: 300_000 }).optional(),
});

/** 413 for a package over the limit (the deploy service's MSEC_PACKAGE_MAX_BYTES, or the JSON form's). */
export function packageTooLarge(bytes: number, limit: number, how = 'the deploy service’s MSEC_PACKAGE_MAX_BYTES'): MsecError {
  return new MsecError(
    'GATEWAY_BODY_TOO_LARGE',
    `package is ${bytes} bytes; at most ${limit} (${how}): leave node_modules out (hosts provide the runtime) or raise the limit`,
    { status: 413, data: { field: 'body', limit } },
  );
}
