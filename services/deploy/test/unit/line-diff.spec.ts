import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffText, lineDiff } from '../../src/artifacts/line-diff.js';
import { compileIdl } from '../../src/artifacts/idl.domain.js';

describe('deploy artifacts logic', () => {
  it('line diff - marks removed and added lines around common ones', () => {
    assert.equal(diffText(lineDiff('a\nb\nc', 'a\nx\nc\nd')), ' a\n-b\n+x\n c\n+d');
    assert.equal(diffText(lineDiff('same', 'same')), ' same');
  });

  it('idl compile - resolves imports between uploaded files and rejects missing ones', () => {
    const names = compileIdl({
      'common.proto': 'syntax = "proto3"; package c; message Id { string v = 1; }',
      'svc.proto':
        'syntax = "proto3"; import "common.proto"; package s; message Req { c.Id id = 1; } service S { rpc Get (Req) returns (Req); }',
    });
    assert.deepEqual(names, ['c.Id', 's.Req', 's.S']);
    assert.throws(() => compileIdl({ 'svc.proto': 'syntax = "proto3"; import "other.proto"; message A {}' }), /other.proto/);
  });
});
