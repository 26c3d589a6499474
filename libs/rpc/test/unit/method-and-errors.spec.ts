import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MsecError } from '@msec/contracts';
import {
  defineMethod,
  errorFromHead,
  errorHeadFields,
  headIsError,
  isMethodName,
  jsonCodec,
  RPC_ERR_APPLICATION,
  methodNotFound,
} from '../../src/index.js';

describe('method and error wire', () => {
  it('method - accepts pkg.Service.Method and rejects other shapes naming the field', () => {
    assert.ok(isMethodName('flight.FlightService.Query'));
    assert.ok(isMethodName('com.acme.Svc.Do_it'));
    for (const bad of ['Query', 'a.b', '1a.B.c', 'a..b.c', 'a.B.c-d']) assert.equal(isMethodName(bad), false, bad);
    assert.throws(
      () => defineMethod('a.b', jsonCodec(), jsonCodec()),
      (e: MsecError) => e.code === 'RPC_INVALID_METHOD_NAME' && e.data?.field === 'name',
    );
  });

  it('error wire - a typed error survives the head round trip', () => {
    const original = new MsecError('FLIGHT_SOLD_OUT', 'no seats', { status: 409, retryable: false, data: { flight: 'CA1' } });
    const fields = errorHeadFields(original);
    assert.equal(fields.err, RPC_ERR_APPLICATION);
    const head = { sequence: 1, methodName: 'a.B.c', ...fields };
    assert.ok(headIsError(head));
    const rebuilt = errorFromHead(head);
    assert.ok(rebuilt instanceof MsecError);
    assert.deepEqual(rebuilt.toPayload(), original.toPayload());
  });

  it('error wire - an unknown error goes out as INTERNAL with a generic message', () => {
    const fields = errorHeadFields(new TypeError('secret detail'));
    assert.equal(fields.errCode, 'INTERNAL');
    assert.equal(fields.errMsg, 'internal error');
  });

  it('error wire - a reply from an original MSEC peer with only a number becomes RPC_REMOTE_<n>', () => {
    const e = errorFromHead({ sequence: 1, methodName: 'a.B.c', err: -7, errMsg: 'para error' });
    assert.equal(e.code, 'RPC_REMOTE_-7');
    assert.equal(e.message, 'para error');
    assert.equal(errorHeadFields(methodNotFound('x.Y.z')).err, -1004);
  });
});
