import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RpcStatSide, type CallRow, type HostView } from '@msec/contracts';
import { capacityReport, suggestInstances } from '../../src/capacity/capacity.js';

const host = (hostId: string, status: 'up' | 'down', instances: Array<[string, number, number | undefined, number]>): HostView => ({
  hostId,
  ip: '10.0.0.1',
  status,
  lastSeenAt: 0,
  intervalMs: 3000,
  metrics: null,
  instances: instances.map(([service, port, cpuPercent, rssMb]) => ({
    name: `${service}-${port}`,
    service,
    port,
    status: 'running',
    pid: 1,
    restarts: 0,
    packageVersion: '1.0.0',
    ...(cpuPercent === undefined ? {} : { cpuPercent }),
    rssMb,
  })),
});
const row = (callee: string, requests: number): CallRow => ({
  caller: 'client',
  callee,
  method: 'm',
  requests,
  failures: 0,
  failuresByCode: {},
  p50: null,
  p95: null,
  p99: null,
  avgMs: null,
  maxMs: null,
  side: RpcStatSide.callee,
});

describe('capacity', () => {
  it('capacity - totals CPU and memory per service over the hosts that are up, and counts calls per second over the window', () => {
    const report = capacityReport(
      [
        host('h1', 'up', [
          ['Flight.mod_flight', 7000, 70, 80],
          ['User.mod_user', 7001, 5, 60],
        ]),
        host('h2', 'up', [['Flight.mod_flight', 7000, 60.5, 82]]),
        host('h3', 'down', [['Flight.mod_flight', 7000, 99, 99]]),
      ],
      [row('Flight.mod_flight', 30_000), row('Flight.mod_flight', 6_000)],
      60,
      300_000,
    );
    const flight = report.services.find((s) => s.service === 'Flight.mod_flight')!;
    assert.deepEqual(flight.hosts, ['h1', 'h2'], 'a host that is down is not counted');
    assert.equal(flight.cpuPercentTotal, 130.5);
    assert.equal(flight.rssMbTotal, 162);
    assert.equal(flight.callsPerSecond, 120);
    assert.equal(flight.suggestedInstances, 3);
    assert.equal(flight.rule, 'ceil(130.5 % CPU in total / 60 % target per instance) = 3');
    const user = report.services.find((s) => s.service === 'User.mod_user')!;
    assert.equal(user.callsPerSecond, null, 'no statistics: unknown, not zero');
    assert.equal(user.suggestedInstances, 2);
  });

  it('capacity - the suggestion never goes under two instances and says why', () => {
    assert.deepEqual(suggestInstances(10, 60), {
      count: 2,
      rule: 'ceil(10 % CPU in total / 60 % target per instance) = 1, at least 2 for redundancy',
    });
    assert.equal(suggestInstances(600, 60).count, 10);
  });
});
