import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { loadAgentConfig, reachableAddress } from '../../src/config/agent.config.js';

const ipv4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});

describe('agent host address', () => {
  it('agent - without MSEC_HOST_IP it announces the first non-loopback IPv4 address, so other hosts can reach its instances', () => {
    const v6: NetworkInterfaceInfo = { ...ipv4('fe80::1'), family: 'IPv6', scopeid: 1 };
    assert.equal(reachableAddress({ lo: [ipv4('127.0.0.1', true)], eth0: [v6, ipv4('172.18.0.7')] }), '172.18.0.7');
    assert.equal(reachableAddress({ lo: [ipv4('127.0.0.1', true)] }), '127.0.0.1', 'no network: loopback');
  });

  it('agent - MSEC_HOST_IP, when set, is the address announced', () => {
    assert.equal(loadAgentConfig({ MSEC_HOST_IP: '10.1.2.3' }).hostIp, '10.1.2.3');
    assert.notEqual(loadAgentConfig({}).hostIp, '', 'an empty setting is resolved to an address');
  });
});
