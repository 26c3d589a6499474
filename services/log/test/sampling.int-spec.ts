import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import {
  LOG_COLOUR_BUCKET,
  LOG_TRACE_SAMPLING_KEY,
  LogSubjects,
  NatsRole,
  traceSamplingFor,
  type TraceSamplingSettings,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { startLogService, type LogHarness } from './support.js';

describe('log trace sampling settings', () => {
  let nats: NatsTestServer;
  let harness: LogHarness;
  let sdk: NatsConnection;

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats);
    sdk = await nats.connectAs(NatsRole.service, 'Flight.mod_flight');
  });
  after(async () => {
    await sdk?.close();
    await harness?.close();
    await nats?.dispose();
  });

  /** What a business service's SDK reads for itself. */
  const seenBy = async (service: string) => {
    const entry = await (await new Kvm(sdk).open(LOG_COLOUR_BUCKET)).get(LOG_TRACE_SAMPLING_KEY);
    return entry === null ? undefined : traceSamplingFor(entry.string(), service);
  };

  it('sampling - a service set from the console is what its SDK reads; deleting it restores the environment', async () => {
    assert.deepEqual(await natsRequest<TraceSamplingSettings>(harness.nc, LogSubjects.samplingGet, {}), { services: {} });
    await natsRequest(harness.nc, LogSubjects.samplingSet, { service: 'User.mod_user', rate: 1, maxPerSecond: 10 });
    const settings = await natsRequest<TraceSamplingSettings>(harness.nc, LogSubjects.samplingSet, {
      service: 'Flight.mod_flight',
      rate: 0.05,
      maxPerSecond: 100,
    });
    assert.deepEqual(settings, {
      services: { 'Flight.mod_flight': { rate: 0.05, maxPerSecond: 100 }, 'User.mod_user': { rate: 1, maxPerSecond: 10 } },
    });
    assert.deepEqual(await seenBy('Flight.mod_flight'), { rate: 0.05, maxPerSecond: 100 });
    await natsRequest(harness.nc, LogSubjects.samplingDelete, { service: 'Flight.mod_flight' });
    assert.equal(await seenBy('Flight.mod_flight'), undefined);
    assert.deepEqual(await seenBy('User.mod_user'), { rate: 1, maxPerSecond: 10 });
  });

  it('sampling - a bad rate, cap or service name is refused naming the field', async () => {
    const refused = async (request: unknown, field: string) =>
      assert.rejects(natsRequest(harness.nc, LogSubjects.samplingSet, request), (e: { code: string; data?: { field?: string } }) => {
        assert.equal(e.code, 'VALIDATION_FAILED');
        assert.equal(e.data?.field, field);
        return true;
      });
    await refused({ service: 'Flight.mod_flight', rate: 1.5, maxPerSecond: 1 }, 'rate');
    await refused({ service: 'Flight.mod_flight', rate: 0.1, maxPerSecond: 2.5 }, 'maxPerSecond');
    await refused({ service: 'not a service', rate: 0.1, maxPerSecond: 1 }, 'service');
  });
});
