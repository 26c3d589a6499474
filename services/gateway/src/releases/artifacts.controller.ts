import { createHash } from 'node:crypto';
import { Controller, Get, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DeploySubjects, MsecError, ValidationError } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import type { Page } from '../http/pagination.js';
import type { Infer } from '../http/schema.js';
import { forwardToDeploy, type ConfigVersionView, type IdlFileDiff, type IdlVersionView, type PackageView } from './deploy-forward.js';
import {
  MAX_PACKAGE_BYTES,
  configAddBody,
  configRollbackBody,
  diffQuery,
  idlAddBody,
  packageJsonBody,
  packageTooLarge,
  packagesQuery,
  packageUploadQuery,
  serviceQuery,
} from './deploy.schemas.js';

/** Compiling IDL and checking a tarball take a moment on the deploy side. */
const ARTIFACT_DEADLINE_MS = 15_000;

const all = <T>(items: T[]): Page<T> => ({ items, nextCursor: null });

/** Reads a raw request body, refusing it (413) once it passes `limit` bytes. */
function readRaw(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(packageTooLarge(declared));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(packageTooLarge(size));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Validates a JSON body the way @JsonBody does (used where the body may also be raw bytes). */
function parseJson<T>(schema: { '~standard': { validate: (v: unknown) => unknown } }, value: unknown): T {
  const result = schema['~standard'].validate(value) as { value?: T; issues?: { message: string; path: string[] }[] };
  if (!result.issues) return result.value as T;
  const [first] = result.issues;
  throw new ValidationError(['body', ...(first?.path ?? [])].join('.'), first?.message ?? 'is not valid');
}

/** IDL, config and package versions (REST face of the deploy service): viewers read, developers add. */
@ApiTags('releases')
@Controller('api/v1')
export class ArtifactsController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get('idl')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'IDL versions of a service, newest first, with their files and message names' })
  async idlList(@QueryParams(serviceQuery) q: Infer<typeof serviceQuery>): Promise<Page<IdlVersionView>> {
    return all(await forwardToDeploy<IdlVersionView[]>(this.nats, DeploySubjects.idlList, q, 'query'));
  }

  @Get('idl/diff')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Per-file line diff between two IDL versions' })
  async idlDiff(@QueryParams(diffQuery) q: Infer<typeof diffQuery>): Promise<{ files: IdlFileDiff[] }> {
    return { files: await forwardToDeploy<IdlFileDiff[]>(this.nats, DeploySubjects.idlDiff, q, 'query') };
  }

  @Post('idl')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Add an IDL version: every .proto is compiled first (imports must be among the files)' })
  idlAdd(@JsonBody(idlAddBody) body: Infer<typeof idlAddBody>): Promise<IdlVersionView> {
    return forwardToDeploy(this.nats, DeploySubjects.idlAdd, body, 'body', ARTIFACT_DEADLINE_MS);
  }

  @Get('configs')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Config versions of a service, newest (current) first' })
  async configList(@QueryParams(serviceQuery) q: Infer<typeof serviceQuery>): Promise<Page<ConfigVersionView>> {
    return all(await forwardToDeploy<ConfigVersionView[]>(this.nats, DeploySubjects.configList, q, 'query'));
  }

  @Get('configs/diff')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Line diff between two config versions (lines prefixed " ", "-", "+")' })
  configDiff(@QueryParams(diffQuery) q: Infer<typeof diffQuery>): Promise<{ diff: string }> {
    return forwardToDeploy(this.nats, DeploySubjects.configDiff, q, 'query');
  }

  @Post('configs')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Add a config version; it becomes current' })
  configAdd(@JsonBody(configAddBody) body: Infer<typeof configAddBody>): Promise<ConfigVersionView> {
    return forwardToDeploy(this.nats, DeploySubjects.configAdd, body, 'body', ARTIFACT_DEADLINE_MS);
  }

  @Post('configs/rollback')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Make an older config version current again (appends a copy of it)' })
  configRollback(@JsonBody(configRollbackBody) body: Infer<typeof configRollbackBody>): Promise<ConfigVersionView> {
    return forwardToDeploy(this.nats, DeploySubjects.configRollback, body, 'body', ARTIFACT_DEADLINE_MS);
  }

  @Get('packages')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Uploaded packages, newest first' })
  async packageList(@QueryParams(packagesQuery) q: Infer<typeof packagesQuery>): Promise<Page<PackageView>> {
    return all(await forwardToDeploy<PackageView[]>(this.nats, DeploySubjects.packagesList, q, 'query'));
  }

  @Post('packages')
  @Access(Role.developer)
  @ApiOperation({
    summary: `Upload a package (tar.gz with manifest.json {name, version, entry}), at most ${MAX_PACKAGE_BYTES / 1024} KiB`,
    description:
      'Either JSON {contentBase64, sha256?} or the raw tarball as application/octet-stream. The package is stored under ' +
      "its manifest's name and version; name/version in the query, when given, must agree with it. Over the limit: 413.",
  })
  @ApiConsumes('application/json', 'application/octet-stream')
  @ApiBody({ schema: packageJsonBody.json })
  @ApiQuery({ name: 'name', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'version', required: false, schema: { type: 'string' } })
  async packageUpload(@Req() req: Request, @QueryParams(packageUploadQuery) q: Infer<typeof packageUploadQuery>): Promise<PackageView> {
    let bytes: Buffer;
    let sha256: string | undefined;
    if (req.is('application/octet-stream')) {
      bytes = await readRaw(req, MAX_PACKAGE_BYTES);
    } else if (req.is('application/json')) {
      const body = parseJson<Infer<typeof packageJsonBody>>(packageJsonBody, req.body);
      bytes = Buffer.from(body.contentBase64, 'base64');
      sha256 = body.sha256;
    } else {
      throw new MsecError(
        'GATEWAY_UNSUPPORTED_MEDIA_TYPE',
        'send the tarball as application/octet-stream, or JSON {"contentBase64", "sha256"} as application/json',
        { status: 415, data: { field: 'body' } },
      );
    }
    if (bytes.length === 0) throw new ValidationError('body', 'is empty: send the tar.gz');
    if (bytes.length > MAX_PACKAGE_BYTES) throw packageTooLarge(bytes.length);
    const view = await forwardToDeploy<PackageView>(
      this.nats,
      DeploySubjects.packagesUpload,
      { contentBase64: bytes.toString('base64'), sha256: sha256 ?? createHash('sha256').update(bytes).digest('hex') },
      { contentBase64: 'body', sha256: 'body.sha256', version: 'body' },
      ARTIFACT_DEADLINE_MS,
    );
    if (q.name !== undefined && q.name !== view.name)
      throw new ValidationError('query.name', `is ${q.name} but manifest.json says ${view.name} (stored as ${view.name}@${view.version})`);
    if (q.version !== undefined && q.version !== view.version)
      throw new ValidationError(
        'query.version',
        `is ${q.version} but manifest.json says ${view.version} (stored as ${view.name}@${view.version})`,
      );
    return view;
  }
}
