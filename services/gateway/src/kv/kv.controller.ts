import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  KvSubjects,
  type KvCheckReport,
  type KvClusterSummary,
  type KvKeyInspection,
  type KvNodeSample,
  type KvOperationStarted,
  type KvOperationView,
  type KvSlowlogEntry,
  type KvTopology,
} from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { decodeCursor, encodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import { s, type Infer } from '../http/schema.js';
import {
  addMasterBody,
  addReplicaBody,
  clusterName,
  confirmBody,
  createBody,
  keyQuery,
  nodeConfirmBody,
  operationId,
  operationsQuery,
  rebalanceBody,
  registerBody,
  slowlogQuery,
} from './kv.schemas.js';

/** Reads touch every node of a cluster; operation starts only queue a job. */
const READ_DEADLINE_MS = 10_000;
const START_DEADLINE_MS = 10_000;
/** kv-admin keeps at most this many operations per list request. */
const OPERATION_HISTORY = 500;

/** A list answered in one piece (samples, slow log): no cursor since the owner bounds it. */
export interface Items<T> {
  items: T[];
}

const listQuery = s.object({ ...pageQueryShape });

/** Where REST callers put the fields kv-admin may name in an error. */
const IN_PATH = { cluster: 'path.cluster' };
const QUERY_FIELDS = {
  cluster: 'path.cluster',
  node: 'query.node',
  count: 'query.count',
  key: 'query.key',
  maxBytes: 'query.maxBytes',
  maxElements: 'query.maxElements',
};

/** kv-admin names fields as in its NATS bodies (`seeds[0]`, `cluster`); REST callers put some in the path or query. */
function restField(field: string, elsewhere: Record<string, string>): string {
  const root = field.split(/[.[]/, 1)[0]!;
  if (root in elsewhere) return elsewhere[root]!;
  return `body.${field.replace(/\[(\d+)\]/g, '.$1')}`;
}

/**
 * KV administration (REST face of kv-admin): viewers read; developers register, create and add nodes; admins run the
 * destructive operations (rebalance, remove, failover, resume, unregister), which also need `confirm` = the cluster name.
 */
@ApiTags('kv')
@Controller('api/v1/kv')
export class KvController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get('clusters')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Registered Redis Clusters, by name' })
  async list(@QueryParams(listQuery) query: Infer<typeof listQuery>): Promise<Page<KvClusterSummary>> {
    const after = decodeCursor(query.cursor);
    const limit = query.limit ?? PAGE_SIZE.default;
    const all = await this.forward<KvClusterSummary[]>(KvSubjects.clustersList, {}, {});
    const rows = all.sort((a, b) => a.name.localeCompare(b.name)).filter((c) => after === undefined || c.name > String(after));
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.name) : null };
  }

  @Post('clusters')
  @Access(Role.developer)
  @ApiOperation({ summary: 'Register an existing cluster by seed nodes' })
  register(@JsonBody(registerBody) body: Infer<typeof registerBody>): Promise<KvClusterSummary> {
    return this.forward(KvSubjects.clustersRegister, body, {}, READ_DEADLINE_MS);
  }

  @Post('clusters/create')
  @HttpCode(202)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Form a new cluster from empty nodes (an operation; follow it on the events stream)' })
  create(@JsonBody(createBody) body: Infer<typeof createBody>): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.clustersCreate, body, {}, START_DEADLINE_MS);
  }

  @Delete('clusters/:cluster')
  @Access(Role.admin)
  @ApiOperation({ summary: 'Forget a cluster (the Redis nodes are untouched); body {confirm: cluster name}' })
  unregister(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(confirmBody) body: Infer<typeof confirmBody>,
  ): Promise<{ removed: boolean }> {
    return this.forward(KvSubjects.clustersUnregister, { cluster, ...body }, IN_PATH);
  }

  @Get('clusters/:cluster/topology')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Nodes, roles, slot ranges, replicas, link state and config epochs' })
  topology(@PathParam('cluster', clusterName) cluster: string): Promise<KvTopology> {
    return this.forward(KvSubjects.clustersTopology, { cluster }, IN_PATH, READ_DEADLINE_MS);
  }

  @Get('clusters/:cluster/check')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Health check like redis-cli --cluster check: errors and warnings' })
  check(@PathParam('cluster', clusterName) cluster: string): Promise<KvCheckReport> {
    return this.forward(KvSubjects.clustersCheck, { cluster }, IN_PATH, READ_DEADLINE_MS);
  }

  @Post('clusters/:cluster/masters')
  @HttpCode(202)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Join an empty node as a master without slots (rebalance next)' })
  addMaster(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(addMasterBody) body: Infer<typeof addMasterBody>,
  ): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.nodesAddMaster, { cluster, ...body }, IN_PATH, START_DEADLINE_MS);
  }

  @Post('clusters/:cluster/replicas')
  @HttpCode(202)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Join an empty node as a replica of a master (default: the one with fewest replicas)' })
  addReplica(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(addReplicaBody) body: Infer<typeof addReplicaBody>,
  ): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.nodesAddReplica, { cluster, ...body }, IN_PATH, START_DEADLINE_MS);
  }

  @Post('clusters/:cluster/nodes/remove')
  @HttpCode(202)
  @Access(Role.admin)
  @ApiOperation({ summary: "Move a node's slots away, then forget it everywhere; body {node, confirm}" })
  removeNode(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(nodeConfirmBody) body: Infer<typeof nodeConfirmBody>,
  ): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.nodesRemove, { cluster, ...body }, IN_PATH, START_DEADLINE_MS);
  }

  @Post('clusters/:cluster/failover')
  @HttpCode(202)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Manual failover: a replica (or the named master’s replica) takes over; body {node, confirm}' })
  failover(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(nodeConfirmBody) body: Infer<typeof nodeConfirmBody>,
  ): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.nodesFailover, { cluster, ...body }, IN_PATH, START_DEADLINE_MS);
  }

  @Post('clusters/:cluster/rebalance')
  @HttpCode(202)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Move slots so masters hold them evenly or by weight; body {confirm, weights?}' })
  rebalance(
    @PathParam('cluster', clusterName) cluster: string,
    @JsonBody(rebalanceBody) body: Infer<typeof rebalanceBody>,
  ): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.slotsRebalance, { cluster, ...body }, IN_PATH, START_DEADLINE_MS);
  }

  @Get('clusters/:cluster/operations')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Operation history of a cluster, newest first' })
  async operations(
    @PathParam('cluster', clusterName) cluster: string,
    @QueryParams(operationsQuery) query: Infer<typeof operationsQuery>,
  ): Promise<Page<KvOperationView>> {
    const after = decodeCursor(query.cursor);
    const offset = typeof after === 'number' ? after : 0;
    const limit = query.limit ?? PAGE_SIZE.default;
    const all = await this.forward<KvOperationView[]>(KvSubjects.operationsList, { cluster, limit: OPERATION_HISTORY }, IN_PATH);
    const items = all.slice(offset, offset + limit);
    return { items, nextCursor: all.length > offset + limit ? encodeCursor(offset + limit) : null };
  }

  @Get('operations/:id')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'One operation with its progress' })
  operation(@PathParam('id', operationId) id: string): Promise<KvOperationView> {
    return this.forward(KvSubjects.operationsGet, { operationId: id }, { operationId: 'path.id' });
  }

  @Post('operations/:id/resume')
  @HttpCode(202)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Run a failed operation again from its saved state; body {confirm: cluster name}' })
  resume(@PathParam('id', operationId) id: string, @JsonBody(confirmBody) body: Infer<typeof confirmBody>): Promise<KvOperationStarted> {
    return this.forward(KvSubjects.operationsResume, { operationId: id, ...body }, { operationId: 'path.id' }, START_DEADLINE_MS);
  }

  @Get('clusters/:cluster/samples')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Latest per-node sample: ops/s, memory, keys, clients, hit ratio, replication offset' })
  async samples(@PathParam('cluster', clusterName) cluster: string): Promise<Items<KvNodeSample>> {
    return { items: await this.forward<KvNodeSample[]>(KvSubjects.monitorLatest, { cluster }, IN_PATH) };
  }

  @Get('clusters/:cluster/slowlog')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'SLOWLOG of one node or every node, slowest first' })
  async slowlog(
    @PathParam('cluster', clusterName) cluster: string,
    @QueryParams(slowlogQuery) query: Infer<typeof slowlogQuery>,
  ): Promise<Items<KvSlowlogEntry>> {
    const items = await this.forward<KvSlowlogEntry[]>(KvSubjects.slowlogGet, { cluster, ...query }, QUERY_FIELDS, READ_DEADLINE_MS);
    return { items };
  }

  @Get('clusters/:cluster/keys')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Read-only key lookup with size guards: type, TTL, memory, value preview' })
  key(@PathParam('cluster', clusterName) cluster: string, @QueryParams(keyQuery) query: Infer<typeof keyQuery>): Promise<KvKeyInspection> {
    return this.forward(KvSubjects.keysInspect, { cluster, ...query }, QUERY_FIELDS, READ_DEADLINE_MS);
  }

  /** Forwards to kv-admin; a field-naming error is renamed to where the REST caller put that field. */
  private forward<T>(subject: string, data: unknown, elsewhere: Record<string, string>, deadlineMs?: number): Promise<T> {
    return this.nats.requestNamingRestFields<T>(subject, data, (field) => restField(field, elsewhere), deadlineMs);
  }
}

/** Admin-only maintenance of kv-admin's read model. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class KvAdminRebuildController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post('kv-admin')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: "Rebuild kv-admin's registered clusters and operation history from its event stream" })
  rebuild(): Promise<{ clusters: number; operations: number }> {
    return this.nats.request(KvSubjects.rebuild, {}, 60_000);
  }
}
