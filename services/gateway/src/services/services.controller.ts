import { Controller, Delete, Get, HttpCode, Inject, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RegistrySubjects, type ServiceView } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { decodeCursor, encodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import { s, type Infer } from '../http/schema.js';
import { addressParam, createServiceBody, instancesBody, serviceName, weightBody, type InstanceAddress } from './services.schemas.js';

/** What every change answers: the service as it now stands (null once deleted) and whether ZooKeeper has the routes yet. */
export interface ServiceChange {
  service: ServiceView | null;
  /** False while ZooKeeper is unreachable; the registry writes the routes as soon as it is back. */
  routesWritten: boolean;
}

/** Changes wait on ZooKeeper writes, so they get longer than a read. */
const CHANGE_DEADLINE_MS = 10_000;
const REBUILD_DEADLINE_MS = 60_000;

const listQuery = s.object({
  ...pageQueryShape,
  prefix: s
    .string({ min: 1, max: 129 })
    .optional()
    .describe('only services whose name starts with this, e.g. "Flight." for one first level'),
});

/**
 * The registry's field names are those of its NATS bodies (`service`, `instances[0].port`); REST callers sent
 * some of them in the path (`moved` maps those), so the error names the field as they know it.
 */
function restField(field: string, moved: Record<string, string>): string {
  const root = field.split(/[.[]/, 1)[0]!;
  return moved[field] ?? moved[root] ?? `body.${field.replace(/\[(\d+)\]/g, '.$1')}`;
}

/** The service tree (REST face of the registry): viewers read, developers change. */
@ApiTags('services')
@Controller('api/v1/services')
export class ServicesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'List services with their instances (weight, enabled, live), by name' })
  async list(@QueryParams(listQuery) query: Infer<typeof listQuery>): Promise<Page<ServiceView>> {
    const after = decodeCursor(query.cursor);
    const limit = query.limit ?? PAGE_SIZE.default;
    const all = await this.forward<ServiceView[]>(RegistrySubjects.serviceList, {}, {});
    const rows = all.filter(
      (v) => (query.prefix === undefined || v.name.startsWith(query.prefix)) && (after === undefined || v.name > String(after)),
    );
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.name) : null };
  }

  @Get(':name')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'One service with its instances' })
  show(@PathParam('name', serviceName) name: string): Promise<ServiceView> {
    return this.forward(RegistrySubjects.serviceShow, { name }, { name: 'path.name', service: 'path.name' });
  }

  @Post()
  @Access(Role.developer)
  @ApiOperation({ summary: 'Create a service (standard, or heterogeneous with a protocol)' })
  create(@JsonBody(createServiceBody) body: Infer<typeof createServiceBody>): Promise<ServiceChange> {
    return this.forward(RegistrySubjects.serviceCreate, body, {}, CHANGE_DEADLINE_MS);
  }

  @Delete(':name')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Delete a service that has no instances left' })
  remove(@PathParam('name', serviceName) name: string): Promise<ServiceChange> {
    return this.forward(RegistrySubjects.serviceDelete, { name }, { name: 'path.name', service: 'path.name' }, CHANGE_DEADLINE_MS);
  }

  @Post(':name/instances')
  @HttpCode(200)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Add instances, not serving yet (scale out to enable them)' })
  addInstances(
    @PathParam('name', serviceName) name: string,
    @JsonBody(instancesBody) body: Infer<typeof instancesBody>,
  ): Promise<ServiceChange> {
    return this.instances(RegistrySubjects.instanceAdd, name, body.instances);
  }

  @Delete(':name/instances/:address')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Remove one instance (scale it in first)' })
  removeInstance(
    @PathParam('name', serviceName) name: string,
    @PathParam('address', addressParam) address: InstanceAddress,
  ): Promise<ServiceChange> {
    return this.forward(
      RegistrySubjects.instanceRemove,
      { service: name, instances: [address] },
      { service: 'path.name', instances: 'path.address' },
      CHANGE_DEADLINE_MS,
    );
  }

  @Post(':name/scale-out')
  @HttpCode(200)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Scale out: add any instance not configured yet and enable every one listed' })
  scaleOut(
    @PathParam('name', serviceName) name: string,
    @JsonBody(instancesBody) body: Infer<typeof instancesBody>,
  ): Promise<ServiceChange> {
    return this.instances(RegistrySubjects.scaleOut, name, body.instances);
  }

  @Post(':name/scale-in')
  @HttpCode(200)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Scale in: disable the instances listed (they stay configured)' })
  scaleIn(
    @PathParam('name', serviceName) name: string,
    @JsonBody(instancesBody) body: Infer<typeof instancesBody>,
  ): Promise<ServiceChange> {
    return this.instances(RegistrySubjects.scaleIn, name, body.instances);
  }

  @Put(':name/instances/:address/weight')
  @Access(Role.developer)
  @ApiOperation({ summary: "Set one instance's static weight (100..10000, default 1000)" })
  setWeight(
    @PathParam('name', serviceName) name: string,
    @PathParam('address', addressParam) address: InstanceAddress,
    @JsonBody(weightBody) body: Infer<typeof weightBody>,
  ): Promise<ServiceChange> {
    return this.forward(
      RegistrySubjects.instanceWeight,
      { service: name, ip: address.ip, port: address.port, weight: body.weight },
      { service: 'path.name', 'instance.weight': 'body.weight', instance: 'path.address', instances: 'path.address' },
      CHANGE_DEADLINE_MS,
    );
  }

  private instances(subject: string, service: string, instances: InstanceAddress[]): Promise<ServiceChange> {
    return this.forward(subject, { service, instances }, { service: 'path.name' }, CHANGE_DEADLINE_MS);
  }

  /** Forwards to the registry; a field-naming error from it is renamed to where the REST caller put that field. */
  private forward<T>(subject: string, data: unknown, moved: Record<string, string>, deadlineMs?: number): Promise<T> {
    return this.nats.requestNamingRestFields<T>(subject, data, (field) => restField(field, moved), deadlineMs);
  }
}

/** Admin-only maintenance of the registry's read model. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class RegistryAdminController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post('registry')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: "Rebuild the registry's read model from its event stream and rewrite every ZooKeeper route" })
  rebuild(): Promise<{ services: number; instances: number }> {
    return this.nats.request(RegistrySubjects.rebuild, {}, REBUILD_DEADLINE_MS);
  }
}
