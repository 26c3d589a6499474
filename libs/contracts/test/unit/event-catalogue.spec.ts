import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CATALOGUE, eventCatalogueMarkdown, eventDefinitionOf, eventSubjectFilter, generatedPartOf } from '../../src/index.js';

// libs/contracts/dist/test/unit/*.spec.js: five levels up is the repository root.
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..');

describe('event catalogue', () => {
  it('event catalogue - docs/events.md shows the catalogue generated from the contracts', () => {
    const inDoc = generatedPartOf(readFileSync(join(REPO_ROOT, 'docs', 'events.md'), 'utf8'));
    assert.notEqual(inDoc, undefined, 'docs/events.md lacks the event-catalogue markers');
    assert.equal(inDoc, eventCatalogueMarkdown(), 'docs/events.md is out of date: run ./msec events catalogue --write');
  });

  it('event catalogue - every entry is complete, unique, and its example has exactly its fields', () => {
    const seen = new Set<string>();
    for (const d of EVENT_CATALOGUE) {
      assert.ok(!seen.has(d.type), `${d.type} listed twice`);
      seen.add(d.type);
      assert.ok(d.type.startsWith(`${d.owner}.`), `${d.type}: the type starts with its owner`);
      assert.ok(d.subject.startsWith(`${d.owner}.`), `${d.type}: the subject starts with its owner`);
      assert.ok(Number.isInteger(d.version) && d.version >= 1, `${d.type}: version`);
      assert.deepEqual(Object.keys(d.example).sort(), Object.keys(d.fields).sort(), `${d.type}: example and fields differ`);
    }
    assert.ok(seen.has('registry.InstanceEnabled') && seen.has('monitor.AlarmFired') && seen.has('monitor.AlarmRecovered'));
  });

  it('event catalogue - a subject with a service name placeholder filters every service', () => {
    assert.equal(eventSubjectFilter(eventDefinitionOf('registry.ServiceCreated')), 'registry.>');
    assert.equal(eventSubjectFilter(eventDefinitionOf('monitor.AlarmFired')), 'monitor.alarm.>');
    assert.equal(eventSubjectFilter(eventDefinitionOf('deploy.ReleaseSucceeded')), 'deploy.release.>');
    assert.equal(eventSubjectFilter(eventDefinitionOf('deploy.IdlVersionAdded')), 'deploy.idl.>');
    assert.throws(
      () => eventDefinitionOf('deploy.Nope'),
      (e: { code?: string; message?: string }) => e.code === 'EVENT_TYPE_UNKNOWN' && /registry\.ServiceCreated/.test(e.message ?? ''),
    );
  });
});
