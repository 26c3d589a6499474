import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { LOG_LEVEL_NAMES, LogLevel, LogSubjects, MsecError, type LogLine, type LogQuery } from '@msec/contracts';
import { NatsBatchPublisher } from './sdk-log.js';
import { natsRequest } from '@msec/platform';
import { search, searchAll, waitFor, type LogHarness } from './support.js';

const USERS = ['bison', 'ant', 'cat', 'dog'];
const SERVICES = ['Flight.mod_flight', 'User.mod_user', 'Pay.mod_pay'];

/** 60 lines spread over every filterable field, one second apart. */
export function dataset(base: number, tag: string): LogLine[] {
  return Array.from({ length: 60 }, (_, i) => ({
    id: `${tag}${String(i).padStart(4, '0')}`,
    ts: base + i * 1000,
    level: LOG_LEVEL_NAMES[i % 6]!,
    service: SERVICES[i % 3]!,
    host: `host-${i % 2}`,
    instance: `host-${i % 2}:${100 + (i % 4)}`,
    traceId: `trace-${i % 5}`,
    spanId: `span-${i}`,
    message: i % 7 === 0 ? `line ${i} found needle_100% here 航班查询超时 ✈️` : `line ${i} hay`,
    fields: { user: USERS[i % 4]!, n: i, vip: i % 10 === 0 },
  }));
}

/** Publishes the dataset through the SDK's batch publisher and waits until the service has stored every line. */
export async function loadDataset(harness: LogHarness, lines: LogLine[]): Promise<void> {
  const publisher = new NatsBatchPublisher<LogLine>(
    { nc: harness.nc, subject: LogSubjects.ingestLines, spoolFile: join(harness.dataDir, 'spool.jsonl') },
    (l) => l.id,
  );
  for (const line of lines) publisher.push(line);
  await publisher.close();
  await waitFor('the dataset to be stored', async () => (await searchAll(harness.nc, {})).length === lines.length);
}

/** The ids the service should return for a filter, newest first, computed in memory. */
function expected(lines: LogLine[], keep: (l: LogLine) => boolean): string[] {
  return lines
    .filter(keep)
    .sort((a, b) => b.ts - a.ts)
    .map((l) => l.id);
}

/** Registers the filter tests; `label` names the database, `ctx` is filled by the caller's before(). */
export function queryCases(label: string, ctx: { harness?: LogHarness; lines?: LogLine[] }): void {
  const ids = async (query: LogQuery): Promise<string[]> => (await searchAll(ctx.harness!.nc, query)).map((l) => l.id);
  const all = (): LogLine[] => ctx.lines!;

  it(`query on ${label} - no filter returns every line newest first with user fields`, async () => {
    const lines = await searchAll(ctx.harness!.nc, {});
    assert.deepEqual(
      lines.map((l) => l.id),
      expected(all(), () => true),
    );
    const first = lines.find((l) => l.id === all()[12]!.id)!;
    assert.deepEqual(first, all()[12]);
    // Chinese and emoji come back as they were logged.
    assert.deepEqual(
      lines.find((l) => l.id === all()[14]!.id),
      all()[14],
    );
  });

  it(`query on ${label} - pages with a cursor without gaps or repeats`, async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await search(ctx.harness!.nc, { limit: 7, ...(cursor ? { cursor } : {}) });
      assert.ok(page.lines.length <= 7);
      seen.push(...page.lines.map((l) => l.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 9);
    assert.deepEqual(
      seen,
      expected(all(), () => true),
    );
  });

  it(`query on ${label} - filters by time range, service, host, instance and trace id`, async () => {
    const base = all()[0]!.ts;
    assert.deepEqual(
      await ids({ from: base + 10_000, to: base + 20_000 }),
      expected(all(), (l) => l.ts >= base + 10_000 && l.ts < base + 20_000),
    );
    assert.deepEqual(
      await ids({ service: 'User.mod_user' }),
      expected(all(), (l) => l.service === 'User.mod_user'),
    );
    assert.deepEqual(
      await ids({ host: 'host-1' }),
      expected(all(), (l) => l.host === 'host-1'),
    );
    assert.deepEqual(
      await ids({ instance: 'host-0:102' }),
      expected(all(), (l) => l.instance === 'host-0:102'),
    );
    assert.deepEqual(
      await ids({ traceId: 'trace-3' }),
      expected(all(), (l) => l.traceId === 'trace-3'),
    );
  });

  it(`query on ${label} - filters by exact levels and by minimum level`, async () => {
    assert.deepEqual(
      await ids({ levels: ['DEBUG', 'FATAL'] }),
      expected(all(), (l) => l.level === 'DEBUG' || l.level === 'FATAL'),
    );
    assert.deepEqual(
      await ids({ minLevel: 'WARN' }),
      expected(all(), (l) => LogLevel[l.level] >= LogLevel.WARN),
    );
  });

  it(`query on ${label} - filters by service and level together, page by page`, async () => {
    const cases: Array<[LogQuery, (l: LogLine) => boolean]> = [
      [{ service: 'Flight.mod_flight', minLevel: 'WARN' }, (l) => l.service === 'Flight.mod_flight' && LogLevel[l.level] >= LogLevel.WARN],
      [
        { service: 'User.mod_user', levels: ['DEBUG', 'WARN'] },
        (l) => l.service === 'User.mod_user' && (l.level === 'DEBUG' || l.level === 'WARN'),
      ],
      [
        { service: 'Pay.mod_pay', minLevel: 'DEBUG', from: all()[10]!.ts, to: all()[50]!.ts },
        (l) => l.service === 'Pay.mod_pay' && LogLevel[l.level] >= LogLevel.DEBUG && l.ts >= all()[10]!.ts && l.ts < all()[50]!.ts,
      ],
    ];
    for (const [query, keep] of cases) {
      const seen: LogLine[] = [];
      let cursor: string | undefined;
      do {
        const page = await search(ctx.harness!.nc, { ...query, limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.lines);
        cursor = page.nextCursor;
      } while (cursor);
      const want = expected(all(), keep);
      assert.ok(want.length > 3, 'the case spans several pages');
      assert.deepEqual(
        seen.map((l) => l.id),
        want,
      );
      assert.deepEqual(
        seen[0],
        all().find((l) => l.id === want[0]),
      );
    }
  });

  it(`query on ${label} - filters by user fields equal to values`, async () => {
    assert.deepEqual(
      await ids({ fields: [{ name: 'user', value: 'bison' }] }),
      expected(all(), (l) => l.fields.user === 'bison'),
    );
    assert.deepEqual(
      await ids({
        fields: [
          { name: 'user', value: 'bison' },
          { name: 'n', value: '8' },
        ],
      }),
      [all()[8]!.id],
    );
    assert.deepEqual(
      await ids({ fields: [{ name: 'vip', value: 'true' }] }),
      expected(all(), (l) => l.fields.vip === true),
    );
    assert.deepEqual(await ids({ fields: [{ name: 'user', value: 'nobody' }] }), []);
  });

  it(`query on ${label} - text contains matches literally, wildcards and Chinese included, in any letter case`, async () => {
    assert.deepEqual(
      await ids({ text: 'needle_100%' }),
      expected(all(), (l) => l.message.includes('needle_100%')),
    );
    assert.deepEqual(await ids({ text: 'line_1' }), []);
    assert.deepEqual(await ids({ text: '100%%' }), []);
    assert.deepEqual(
      await ids({ text: '查询超时' }),
      expected(all(), (l) => l.message.includes('查询超时')),
    );
    // Letters match whatever their case, as the docs promise for both stores.
    assert.deepEqual(
      await ids({ text: 'NEEDLE_100% Here' }),
      expected(all(), (l) => l.message.includes('needle_100% here')),
    );
  });

  it(`query on ${label} - combines filters with AND`, async () => {
    const base = all()[0]!.ts;
    const got = await ids({
      service: 'Flight.mod_flight',
      host: 'host-0',
      levels: ['TRACE'],
      from: base,
      to: base + 40_000,
      fields: [{ name: 'user', value: 'bison' }],
    });
    assert.deepEqual(
      got,
      expected(
        all(),
        (l) =>
          l.service === 'Flight.mod_flight' &&
          l.host === 'host-0' &&
          l.level === 'TRACE' &&
          l.ts < base + 40_000 &&
          l.fields.user === 'bison',
      ),
    );
    assert.equal(got.length, 4);
  });

  it(`query on ${label} - rejects bad filters naming the field`, async () => {
    const rejects = async (query: unknown, field: string): Promise<void> => {
      await assert.rejects(search(ctx.harness!.nc, query as LogQuery), (error: unknown) => {
        assert.ok(error instanceof MsecError);
        assert.equal(error.code, 'VALIDATION_FAILED');
        assert.equal(error.data?.field, field);
        return true;
      });
    };
    await rejects({ where: '1=1' }, 'where');
    await rejects({ levels: ['LOUD'] }, 'levels[0]');
    await rejects({ limit: 5000 }, 'limit');
    await rejects({ cursor: 'nope' }, 'cursor');
    await rejects({ fields: [{ name: '', value: 'x' }] }, 'fields[0].name');
    await rejects({ from: 10, to: 5 }, 'to');
  });

  it(`retention on ${label} - a purge removes older lines with their fields and keeps newer ones`, async () => {
    const cutoff = all()[30]!.ts;
    const result = await natsRequest<{ lines: number; fields: number; spans: number }>(ctx.harness!.nc, LogSubjects.purge, {
      before: cutoff,
    });
    assert.equal(result.lines, 30);
    assert.equal(result.fields, 90);
    assert.deepEqual(
      await ids({}),
      expected(all(), (l) => l.ts >= cutoff),
    );
    assert.deepEqual(
      await ids({ fields: [{ name: 'user', value: 'bison' }] }),
      expected(all(), (l) => l.ts >= cutoff && l.fields.user === 'bison'),
    );
    await assert.rejects(natsRequest(ctx.harness!.nc, LogSubjects.purge, { before: Date.now() + 60_000 }), { code: 'VALIDATION_FAILED' });
  });
}
