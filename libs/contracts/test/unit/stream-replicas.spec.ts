import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkStreamReplicas } from '../../src/index.js';

describe('stream replicas', () => {
  it('stream replicas - 1, 3 and 5 are accepted (also as text from the environment); anything else names the key', () => {
    assert.equal(checkStreamReplicas(1, 'streamReplicas'), 1);
    assert.equal(checkStreamReplicas('3', 'MSEC_STREAM_REPLICAS'), 3);
    assert.equal(checkStreamReplicas(5, 'streamReplicas'), 5);
    for (const bad of [0, 2, 4, 7, '3x', '', null, 1.5])
      assert.throws(() => checkStreamReplicas(bad, 'MSEC_STREAM_REPLICAS'), {
        code: 'VALIDATION_FAILED',
        message: /^MSEC_STREAM_REPLICAS: must be 1 \(one NATS server\) or 3 or 5/,
      });
  });
});
