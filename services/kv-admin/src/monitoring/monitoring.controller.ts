import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { KvSubjects, type KvKeyInspection, type KvNodeSample, type KvSlowlogEntry } from '@msec/contracts';
import { ClustersDomain } from '../clusters/clusters.domain.js';
import { KeyInspector } from '../keys/key-inspector.js';
import { NodeSampler } from './node-sampler.js';
import { SlowlogReader } from './slowlog.reader.js';

type Input = Record<string, unknown>;

/** `msec.kv.monitor.latest`, `msec.kv.slowlog.get` and `msec.kv.keys.inspect`: read-only views. */
@Controller()
export class MonitoringController {
  constructor(
    private readonly clusters: ClustersDomain,
    private readonly sampler: NodeSampler,
    private readonly slowlog: SlowlogReader,
    private readonly keys: KeyInspector,
  ) {}

  @MessagePattern(KvSubjects.monitorLatest)
  async latest(@Payload() input: Input): Promise<KvNodeSample[]> {
    const cluster = await this.clusters.get((input ?? {}).cluster);
    return this.sampler.latestOf(cluster.name);
  }

  @MessagePattern(KvSubjects.slowlogGet)
  slowlogGet(@Payload() input: Input): Promise<KvSlowlogEntry[]> {
    return this.slowlog.get(input ?? {});
  }

  @MessagePattern(KvSubjects.keysInspect)
  inspect(@Payload() input: Input): Promise<KvKeyInspection> {
    return this.keys.inspect(input ?? {});
  }
}
