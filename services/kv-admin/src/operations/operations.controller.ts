import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { KvSubjects, type KvOperationStarted, type KvOperationView } from '@msec/contracts';
import { OperationsDomain } from './operations.domain.js';

type Input = Record<string, unknown>;

/** `msec.kv.nodes.*`, `msec.kv.slots.rebalance` and `msec.kv.operations.*`. */
@Controller()
export class OperationsController {
  constructor(private readonly operations: OperationsDomain) {}

  @MessagePattern(KvSubjects.nodesAddMaster)
  addMaster(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.addMaster(input ?? {});
  }

  @MessagePattern(KvSubjects.nodesAddReplica)
  addReplica(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.addReplica(input ?? {});
  }

  @MessagePattern(KvSubjects.nodesRemove)
  remove(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.removeNode(input ?? {});
  }

  @MessagePattern(KvSubjects.nodesFailover)
  failover(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.failover(input ?? {});
  }

  @MessagePattern(KvSubjects.slotsRebalance)
  rebalance(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.rebalance(input ?? {});
  }

  @MessagePattern(KvSubjects.operationsGet)
  get(@Payload() input: Input): Promise<KvOperationView> {
    return this.operations.get(input ?? {});
  }

  @MessagePattern(KvSubjects.operationsList)
  list(@Payload() input: Input): Promise<KvOperationView[]> {
    return this.operations.list(input ?? {});
  }

  @MessagePattern(KvSubjects.operationsResume)
  resume(@Payload() input: Input): Promise<KvOperationStarted> {
    return this.operations.resume(input ?? {});
  }
}
