import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUN_MANIFEST, parseRunManifest, runCommand } from '../../src/index.js';

const problems = (text: string): string[] => parseRunManifest(text).problems;

describe('run manifest', () => {
  it('run manifest - a python package runs as python3 <entry>, a java one as java -jar, exec as the file itself', () => {
    const run = (json: object) => parseRunManifest(JSON.stringify(json)).manifest!;
    assert.deepEqual(runCommand(run({ runtime: 'python' }), 'main.py', {}, '/usr/bin/node'), ['python3', 'main.py']);
    assert.deepEqual(runCommand(run({ runtime: 'java' }), 'app.jar', {}, '/usr/bin/node'), ['java', '-jar', 'app.jar']);
    assert.deepEqual(runCommand(run({ runtime: 'exec' }), 'bin/server', {}, '/usr/bin/node'), ['./bin/server']);
    assert.deepEqual(runCommand(DEFAULT_RUN_MANIFEST, 'dist/main.js', {}, '/usr/bin/node'), ['/usr/bin/node', 'dist/main.js']);
  });

  it('run manifest - a start command gets ${NAME} replaced from the environment and defaults to the exec runtime', () => {
    const parsed = parseRunManifest('{"start":["bin/server","--port","${MSEC_PORT}","--name=${MSEC_SERVICE}"]}');
    assert.equal(parsed.manifest?.runtime, 'exec');
    assert.deepEqual(runCommand(parsed.manifest!, 'x', { MSEC_PORT: '7000', MSEC_SERVICE: 'A.b' }, 'node'), [
      'bin/server',
      '--port',
      '7000',
      '--name=A.b',
    ]);
  });

  it('run manifest - health, stop signal and env are read with their defaults', () => {
    const full = parseRunManifest(
      '{"runtime":"python","health":{"type":"http","path":"/health"},"stopSignal":"SIGINT","env":{"MODE":"fast"},"requiresEnv":["DB_URL"]}',
    ).manifest!;
    assert.deepEqual(full.health, { type: 'http', path: '/health' });
    assert.equal(full.stopSignal, 'SIGINT');
    assert.deepEqual(full.env, { MODE: 'fast' });
    assert.deepEqual(full.requiresEnv, ['DB_URL']);
    const bare = parseRunManifest('{}').manifest!;
    assert.deepEqual([bare.runtime, bare.health, bare.stopSignal], ['node', { type: 'tcp' }, 'SIGTERM']);
  });

  it('run manifest - every bad field is named with the fix, all at once', () => {
    const found = problems(
      JSON.stringify({
        runtime: 'ruby',
        start: 'bin/server',
        health: { type: 'udp' },
        stopSignal: 'SIGSTOP',
        env: { MSEC_PORT: '1', 'BAD-NAME': 'x', N: 3 },
        requiresEnv: [''],
        entry: 'x',
      }),
    );
    for (const field of [
      'msec.json.entry: is not a known key',
      'msec.json.runtime: must be one of node, python, java, exec',
      'msec.json.start: must be a non-empty array',
      'msec.json.health.type: must be "tcp"',
      'msec.json.stopSignal: must be one of SIGTERM',
      'msec.json.env.MSEC_PORT: MSEC_* variables are set by the agent',
      'msec.json.env.BAD-NAME: must be a variable name',
      'msec.json.env.N: must be a string',
      'msec.json.requiresEnv: "" is not a variable name',
    ])
      assert.ok(
        found.some((p) => p.startsWith(field)),
        `expected a problem starting "${field}" in ${JSON.stringify(found)}`,
      );
    assert.match(problems('{"health":{"type":"http"}}')[0]!, /^msec\.json\.health\.path: must be a path starting with "\/"/);
    assert.match(problems('not json')[0]!, /^msec\.json: is not JSON/);
    assert.match(problems('[1]')[0]!, /^msec\.json: must be a JSON object/);
  });
});
