import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bindService, encodeHead, loadProto, parseProto, type RpcHead } from '../../src/index.js';
import { FLIGHT_IDL } from '../fixtures/flight-idl.js';

describe('proto service', () => {
  it('proto - the reference flight IDL loads unchanged and binds with field names as written', () => {
    const svc = bindService(parseProto(FLIGHT_IDL), 'flight.flight_service');
    const m = svc.methods.queryFlight!;
    assert.equal(m.name, 'flight.flight_service.queryFlight');
    assert.equal(m.idempotent, false);
    const req = { name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' };
    assert.deepEqual({ ...m.request.decode(m.request.encode(req)) }, req);
  });

  it('proto - proto3 loads, and idempotency comes from the IDL option or from config', () => {
    const root = parseProto(`syntax = "proto3";
package shop;
message Id { int64 id = 1; }
message Item { int64 id = 1; string title = 2; repeated string tags = 3; }
service catalog {
  rpc Get(Id) returns (Item) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Put(Item) returns (Id);
  rpc Touch(Id) returns (Id);
}`);
    const svc = bindService(root, 'shop.catalog', { idempotent: ['Touch'] });
    assert.equal(svc.methods.Get!.idempotent, true);
    assert.equal(svc.methods.Put!.idempotent, false);
    assert.equal(svc.methods.Touch!.idempotent, true);
    const item = { id: 2 ** 40, title: 't', tags: ['a'] };
    assert.deepEqual(svc.methods.Put!.request.decode(svc.methods.Put!.request.encode(item)), item);
    assert.throws(() => bindService(root, 'shop.nope'), { code: 'RPC_INVALID_OPTION' });
  });

  it('proto - the hand-written head codec writes what protobufjs reads from rpc-head.proto', async () => {
    const root = await loadProto(new URL('../../../proto/rpc-head.proto', import.meta.url).pathname);
    const Type = root.lookupType('msec.rpc.CRpcHead');
    const head: RpcHead = {
      sequence: 77,
      methodName: 'a.B.c',
      flowId: 5,
      err: -1004,
      errMsg: 'x',
      traceId: 't',
      deadlineMs: 900,
      version: 1,
      errRetryable: true,
    };
    const decoded = Type.toObject(Type.decode(encodeHead(head)), { longs: Number, bytes: String });
    assert.equal(decoded.sequence, 77);
    assert.equal(Buffer.from(decoded.method_name as string, 'base64').toString(), 'a.B.c');
    assert.equal(decoded.flow_id, 5);
    assert.equal(decoded.err, -1004);
    assert.equal(decoded.trace_id, 't');
    assert.equal(decoded.deadline_ms, 900);
    assert.equal(decoded.err_retryable, true);
  });
});
