import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MsecError } from '@msec/contracts';
import { loadRegistryConfig } from '../../src/config/registry.config.js';

describe('registry config', () => {
  it('registry config - ZooKeeper identities are checked at start, each problem naming its key and never the password', () => {
    const refused = (env: Record<string, string>, ...keys: string[]): void =>
      assert.throws(
        () => loadRegistryConfig(env),
        (e: MsecError) => e.code === 'CONFIG_INVALID' && keys.every((k) => e.message.includes(k)) && !e.message.includes('hunter2'),
        JSON.stringify(env),
      );
    refused({ MSEC_ZK_AUTH: 'hunter2' }, 'zkAuth (from MSEC_ZK_AUTH)', 'user:password');
    refused({ MSEC_ZK_AUTH: 'msec-registry:hunter2' }, 'MSEC_ZK_READER_AUTH', 'MSEC_ZK_SERVICE_SECRET');
    refused(
      { MSEC_ZK_AUTH: 'msec-registry:hunter2', MSEC_ZK_READER_AUTH: 'msec-reader:r', MSEC_ZK_SERVICE_SECRET: 'short' },
      'MSEC_ZK_SERVICE_SECRET',
    );
    const config = loadRegistryConfig({
      MSEC_ZK_AUTH: 'msec-registry:hunter2',
      MSEC_ZK_READER_AUTH: 'msec-reader:r',
      MSEC_ZK_SERVICE_SECRET: '0123456789abcdef',
    });
    assert.equal(config.zkAuth, 'msec-registry:hunter2');
    assert.equal(loadRegistryConfig({}).zkAuth, '', 'no identity: the tree stays open');
  });
});
