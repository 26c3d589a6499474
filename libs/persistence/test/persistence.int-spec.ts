import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { Column, Entity, PrimaryColumn, Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { startMariaDb, type InfraServer } from '@msec/testing';
import { openDataSource, parseDatabaseUrl, type DatabaseTarget } from '../src/index.js';

@Entity({ name: 'note' })
class Note {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  text!: string;
}

class CreateNote1700000000000 implements MigrationInterface {
  name = 'CreateNote1700000000000';
  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'note',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'text', type: 'varchar', length: '255' },
        ],
      }),
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('note');
  }
}

function behavesAsAStore(label: string, target: () => DatabaseTarget): void {
  describe(`persistence on ${label}`, () => {
    it(`${label} - migrations create the tables once and data survives a reopen`, async () => {
      const spec = { target: target(), entities: [Note], migrations: [CreateNote1700000000000] };
      const first = await openDataSource(spec);
      await first.getRepository(Note).save({ id: 'a', text: 'hello' });
      await first.destroy();
      const second = await openDataSource(spec);
      const executed = await second.query('SELECT name FROM migrations');
      assert.equal(executed.length, 1, 'the migration must run exactly once across reopens');
      assert.deepEqual({ ...(await second.getRepository(Note).findOneBy({ id: 'a' })) }, { id: 'a', text: 'hello' });
      await second.destroy();
    });

    it(`${label} - text outside Latin-1 round-trips unchanged`, async () => {
      const ds = await openDataSource({ target: target(), entities: [Note], migrations: [CreateNote1700000000000] });
      after(() => ds.destroy());
      await ds.getRepository(Note).save({ id: 'zh', text: '{春秋航空;c8835;RMB1230} ✈' });
      assert.equal((await ds.getRepository(Note).findOneBy({ id: 'zh' }))?.text, '{春秋航空;c8835;RMB1230} ✈');
    });

    it(`${label} - a failed transaction leaves nothing half-written`, async () => {
      const ds = await openDataSource({ target: target(), entities: [Note], migrations: [CreateNote1700000000000] });
      after(() => ds.destroy());
      await assert.rejects(
        ds.transaction(async (manager) => {
          await manager.getRepository(Note).save({ id: 'b', text: 'first half' });
          throw new Error('second half failed');
        }),
        /second half failed/,
      );
      assert.equal(await ds.getRepository(Note).findOneBy({ id: 'b' }), null);
    });
  });
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'msec-test-sqlite-'));
after(() => rmSync(sqliteDir, { recursive: true, force: true }));
behavesAsAStore('sqlite', () => ({ kind: 'sqlite', file: join(sqliteDir, 'store.sqlite') }));

let maria: InfraServer | undefined;
before(async () => {
  maria = await startMariaDb();
});
after(() => maria?.dispose());
behavesAsAStore('mariadb', () => parseDatabaseUrl(maria!.url));

describe('database urls', () => {
  it('urls - a bad scheme names the setting and the accepted forms', () => {
    assert.throws(
      () => parseDatabaseUrl('postgres://h/db'),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'PERSISTENCE_BAD_URL');
        assert.match(error.message, /^MSEC_DB_URL: unsupported scheme "postgres:"; use mysql:\/\//);
        return true;
      },
    );
  });
  it('urls - a mysql url without a database is refused', () => {
    assert.throws(() => parseDatabaseUrl('mysql://root@127.0.0.1:3306/'), /the database name is missing/);
  });
  it('urls - sqlite urls become a file target', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:/tmp/x.sqlite'), { kind: 'sqlite', file: '/tmp/x.sqlite' });
  });
});
