import { createHash, type Hash } from 'node:crypto';
import { Controller, Get, Inject, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  DeploySubjects,
  MsecError,
  ValidationError,
  type ConfigVersionView,
  type IdlFileDiff,
  type IdlVersionView,
  type LiveConfigView,
  type PackageUploadSlot,
} from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, QueryParams } from '../http/api-params.js';
import { UploadBucket } from './upload-bucket.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import type { Page } from '../http/pagination.js';
import type { GatewayRequest } from '../http/request-context.js';
import type { Infer } from '../http/schema.js';
import { forwardToDeploy, type PackageView } from './deploy-forward.js';
import {
  MAX_JSON_PACKAGE_BYTES,
  configAddBody,
  configPublishBody,
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
/** Registering copies the staged tarball (up to the size limit) into the packages bucket and unpacks its listing. */
const REGISTER_DEADLINE_MS = 120_000;

const all = <T>(items: T[]): Page<T> => ({ items, nextCursor: null });

/** Byte count and SHA-256 of what went through a metered stream. */
interface Meter {
  size: number;
  hash: Hash;
}

/** The request body as a web stream that counts and hashes, and fails with 413 once it passes `limit` bytes. */
function meteredBody(req: Request, limit: number, meter: Meter): ReadableStream<Uint8Array> {
  const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) return controller.close();
      meter.size += next.value.length;
      if (meter.size > limit) {
        req.resume();
        return controller.error(packageTooLarge(meter.size, limit));
      }
      meter.hash.update(next.value);
      controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.length));
    },
    cancel() {
      req.resume();
    },
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
  constructor(
    @Inject(NatsForwarder) private readonly nats: NatsForwarder,
    @Inject(UploadBucket) private readonly uploadBucket: UploadBucket,
  ) {}

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

  @Post('configs/publish')
  @Access(Role.developer)
  @ApiOperation({
    summary: "Publish a config version live: the service's running instances read it through the SDK within seconds, without a restart",
  })
  configPublish(@JsonBody(configPublishBody) body: Infer<typeof configPublishBody>, @Req() req: GatewayRequest): Promise<LiveConfigView> {
    return forwardToDeploy(this.nats, DeploySubjects.configPublish, { ...body, by: req.principal!.username }, 'body', ARTIFACT_DEADLINE_MS);
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
    summary: 'Upload a package (tar.gz with manifest.json {name, version, entry}); 64 MiB by default (MSEC_PACKAGE_MAX_BYTES)',
    description:
      'The raw tarball as application/octet-stream is streamed into the JetStream Object Store (staging bucket ' +
      'msec_package_uploads), then the deploy service checks it and moves it into msec_packages. JSON ' +
      `{contentBase64, sha256?} works for packages up to ${MAX_JSON_PACKAGE_BYTES / 1024} KiB. The package is stored under ` +
      "its manifest's name and version; name/version in the query, when given, must agree with it. Over the limit: 413.",
  })
  @ApiConsumes('application/octet-stream', 'application/json')
  @ApiBody({ schema: packageJsonBody.json })
  @ApiQuery({ name: 'name', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'version', required: false, schema: { type: 'string' } })
  async packageUpload(@Req() req: Request, @QueryParams(packageUploadQuery) q: Infer<typeof packageUploadQuery>): Promise<PackageView> {
    let source: (slot: PackageUploadSlot, meter: Meter) => ReadableStream<Uint8Array>;
    let declaredSha: string | undefined;
    if (req.is('application/octet-stream')) {
      source = (slot, meter) => meteredBody(req, slot.maxBytes, meter);
    } else if (req.is('application/json')) {
      const body = parseJson<Infer<typeof packageJsonBody>>(packageJsonBody, req.body);
      const bytes = Buffer.from(body.contentBase64, 'base64');
      if (bytes.length > MAX_JSON_PACKAGE_BYTES)
        throw packageTooLarge(bytes.length, MAX_JSON_PACKAGE_BYTES, 'as JSON; send larger ones as application/octet-stream');
      declaredSha = body.sha256;
      source = (_slot, meter) => {
        meter.size = bytes.length;
        meter.hash.update(bytes);
        return new Blob([bytes]).stream();
      };
    } else {
      throw new MsecError(
        'GATEWAY_UNSUPPORTED_MEDIA_TYPE',
        'send the tarball as application/octet-stream, or JSON {"contentBase64", "sha256"} as application/json',
        { status: 415, data: { field: 'body' } },
      );
    }
    const view = await this.stageAndRegister(req, source, declaredSha);
    if (q.name !== undefined && q.name !== view.name)
      throw new ValidationError('query.name', `is ${q.name} but manifest.json says ${view.name} (stored as ${view.name}@${view.version})`);
    if (q.version !== undefined && q.version !== view.version)
      throw new ValidationError(
        'query.version',
        `is ${q.version} but manifest.json says ${view.version} (stored as ${view.name}@${view.version})`,
      );
    return view;
  }

  /** Asks deploy for a staging object, streams the tarball into it, then has deploy verify and store it. */
  private async stageAndRegister(
    req: Request,
    source: (slot: PackageUploadSlot, meter: Meter) => ReadableStream<Uint8Array>,
    declaredSha: string | undefined,
  ): Promise<PackageView> {
    const slot = await forwardToDeploy<PackageUploadSlot>(this.nats, DeploySubjects.packagesStage, {}, 'body');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (req.is('application/octet-stream') && declared > slot.maxBytes) {
      req.resume();
      throw packageTooLarge(declared, slot.maxBytes);
    }
    const meter: Meter = { size: 0, hash: createHash('sha256') };
    const uploads = await this.uploadBucket.open(slot.bucket);
    try {
      await uploads.put({ name: slot.object }, source(slot, meter), { timeout: 60_000 });
    } catch (error) {
      await uploads.delete(slot.object).catch(() => undefined);
      if (error instanceof MsecError) throw error;
      if (meter.size > slot.maxBytes) throw packageTooLarge(meter.size, slot.maxBytes);
      throw error;
    }
    if (meter.size === 0) {
      await uploads.delete(slot.object).catch(() => undefined);
      throw new ValidationError('body', 'is empty: send the tar.gz');
    }
    return forwardToDeploy<PackageView>(
      this.nats,
      DeploySubjects.packagesRegister,
      { object: slot.object, sha256: declaredSha ?? meter.hash.digest('hex'), size: meter.size },
      { sha256: 'body.sha256', version: 'body', size: 'body', object: 'body' },
      REGISTER_DEADLINE_MS,
    );
  }
}
