import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { KvSubjects, type KvCheckReport, type KvClusterSummary, type KvOperationStarted, type KvTopology } from '@msec/contracts';
import { OperationsDomain } from '../operations/operations.domain.js';
import { KvAdminEvents, type KvRebuildResult } from '../events/kv-admin-events.js';
import { ClustersDomain } from './clusters.domain.js';

type Input = Record<string, unknown>;

/** `msec.kv.clusters.*`: registration, creation, topology and health check. */
@Controller()
export class ClustersController {
  constructor(
    private readonly clusters: ClustersDomain,
    private readonly operations: OperationsDomain,
    private readonly events: KvAdminEvents,
  ) {}

  @MessagePattern(KvSubjects.rebuild)
  rebuild(): Promise<KvRebuildResult> {
    return this.events.rebuild();
  }

  @MessagePattern(KvSubjects.clustersRegister)
  register(@Payload() input: Input): Promise<KvClusterSummary> {
    return this.clusters.register(input ?? {});
  }

  @MessagePattern(KvSubjects.clustersCreate)
  create(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.createCluster(input ?? {});
  }

  @MessagePattern(KvSubjects.clustersList)
  list(): Promise<KvClusterSummary[]> {
    return this.clusters.list();
  }

  @MessagePattern(KvSubjects.clustersUnregister)
  unregister(@Payload() input: Input): Promise<{ removed: string }> {
    return this.clusters.unregister(input ?? {});
  }

  @MessagePattern(KvSubjects.clustersTopology)
  topology(@Payload() input: Input): Promise<KvTopology> {
    return this.clusters.topology(input ?? {});
  }

  @MessagePattern(KvSubjects.clustersCheck)
  check(@Payload() input: Input): Promise<KvCheckReport> {
    return this.clusters.check(input ?? {});
  }
}
