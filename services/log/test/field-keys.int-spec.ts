import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import type { DatabaseTarget } from '@msec/persistence';
import { openDataSource } from '@msec/persistence';
import { LOG_LEVEL_NAMES, type LogLine } from '@msec/contracts';
import { startMariaDb, type InfraServer } from '@msec/testing';
import { LogWriter } from '../src/ingest/log-writer.js';
import { validateLogQuery } from '../src/query/log-query.domain.js';
import { LogQueryRepository } from '../src/query/log-query.repository.js';
import { purgeOlderThan } from '../src/retention/retention.js';
import { LOG_ENTITIES } from '../src/storage/log.entities.js';
import { LOG_MIGRATIONS } from '../src/storage/log-tables.migration.js';

const BASE = Date.now() - 3600_000;
const line = (i: number, fields: LogLine['fields']): LogLine => ({
  id: `ln${String(i).padStart(5, '0')}`,
  ts: BASE + i * 1000,
  level: LOG_LEVEL_NAMES[i % 6]!,
  service: 'Flight.mod_flight',
  host: 'h1',
  instance: 'h1:1',
  message: `line ${i}`,
  fields,
});

/** Lines stored before the field-key migration, through the old `log_field` table (as the old writer did). */
const OLD = [line(1, { user: 'bison', n: 1 }), line(2, { user: 'Bison', vip: true }), line(3, { user: 'bison', city: '深圳' })];
const NEW = [line(4, { user: 'bison', n: 4 }), line(5, { user: 'ant', city: '深圳' }), line(6, {})];

async function storeOldStyle(target: DatabaseTarget): Promise<void> {
  const ds = await openDataSource({ target, entities: [], migrations: LOG_MIGRATIONS.slice(0, 2) });
  try {
    for (const l of OLD) {
      await ds.query(
        'INSERT INTO log_line (id, ts, level, service, host, instance, trace_id, span_id, message, fields) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)',
        [l.id, l.ts, 2, l.service, l.host, l.instance, l.message, JSON.stringify(l.fields)],
      );
      for (const [name, value] of Object.entries(l.fields))
        await ds.query('INSERT INTO log_field (line_id, name, value, ts) VALUES (?, ?, ?, ?)', [l.id, name, String(value), l.ts]);
    }
  } finally {
    await ds.destroy();
  }
}

function fieldKeyCases(label: string, target: () => DatabaseTarget): void {
  let ds: DataSource;
  const ids = async (fields: Array<{ name: string; value: string }>): Promise<string[]> =>
    (await new LogQueryRepository(ds).search(validateLogQuery({ fields }))).lines.map((l) => l.id);

  before(async () => {
    await storeOldStyle(target());
    ds = await openDataSource({ target: target(), entities: LOG_ENTITIES, migrations: LOG_MIGRATIONS });
    const writer = new LogWriter(ds);
    await writer.write(NEW, []);
    // A redelivery (the same lines again, in another batch shape) stores nothing twice.
    await writer.write([NEW[1]!, NEW[0]!], []);
  });
  after(() => ds?.destroy());

  it(`field keys on ${label} - lines stored before the migration are found by field = value, exactly`, async () => {
    assert.deepEqual(await ids([{ name: 'user', value: 'bison' }]), ['ln00004', 'ln00003', 'ln00001']);
    assert.deepEqual(await ids([{ name: 'user', value: 'Bison' }]), ['ln00002']);
    assert.deepEqual(await ids([{ name: 'vip', value: 'true' }]), ['ln00002']);
    assert.deepEqual(await ids([{ name: 'city', value: '深圳' }]), ['ln00005', 'ln00003']);
    assert.deepEqual(
      await ids([
        { name: 'user', value: 'bison' },
        { name: 'n', value: '1' },
      ]),
      ['ln00001'],
    );
  });

  it(`field keys on ${label} - a redelivered line keeps one row and one key per field`, async () => {
    const [lines] = (await ds.query('SELECT COUNT(*) AS n FROM log_line')) as Array<{ n: number | string }>;
    const [keys] = (await ds.query('SELECT COUNT(*) AS n FROM log_field_key')) as Array<{ n: number | string }>;
    assert.equal(Number(lines!.n), 6);
    assert.equal(Number(keys!.n), 6 + 4);
  });

  it(`field keys on ${label} - a purge removes old lines with their keys, newer lines stay searchable`, async () => {
    const result = await purgeOlderThan(ds, NEW[0]!.ts);
    assert.deepEqual({ lines: result.lines, fields: result.fields }, { lines: 3, fields: 6 });
    assert.deepEqual(await ids([{ name: 'user', value: 'bison' }]), ['ln00004']);
    assert.deepEqual(await ids([{ name: 'city', value: '深圳' }]), ['ln00005']);
    const [keys] = (await ds.query('SELECT COUNT(*) AS n FROM log_field_key')) as Array<{ n: number | string }>;
    assert.equal(Number(keys!.n), 4);
  });
}

describe('log field keys on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'msec-test-log-keys-'));
  fieldKeyCases('SQLite', () => ({ kind: 'sqlite', file: join(dir, 'log.sqlite') }));
  after(() => rmSync(dir, { recursive: true, force: true }));
});

describe('log field keys on MariaDB', () => {
  let mariadb: InfraServer;
  before(async () => {
    mariadb = await startMariaDb();
  });
  fieldKeyCases('MariaDB', () => ({ kind: 'mysql', url: mariadb.url }));
  after(() => mariadb?.dispose());
});
