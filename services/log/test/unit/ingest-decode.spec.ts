import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogSubjects, type LogLine, type SpanRecord } from '@msec/contracts';
import { decodeIngest } from '../../src/ingest/ingest.consumer.js';

const line = (id: string): LogLine => ({ id, ts: 1, level: 'INFO', service: 'A.b', host: 'h', instance: 'h:1', message: 'm', fields: {} });
const span: SpanRecord = { traceId: 't', spanId: 's1', caller: 'a', callee: 'b', method: 'M', start: 1, duration: 2, status: 'ok' };

describe('ingest message decoding', () => {
  it('ingest - a one-record message of older SDKs and an array message of the current SDK both decode', () => {
    assert.deepEqual(decodeIngest(LogSubjects.ingestLines, JSON.stringify(line('a'))).lines, [line('a')]);
    const batch = decodeIngest(LogSubjects.ingestLines, new TextEncoder().encode(JSON.stringify([line('a'), line('b')])));
    assert.deepEqual(
      batch.lines.map((l) => l.id),
      ['a', 'b'],
    );
    assert.deepEqual(batch.spans, []);
    assert.deepEqual(decodeIngest(LogSubjects.ingestSpans, JSON.stringify([span])).spans, [span]);
  });

  it('ingest - malformed records, non-JSON bodies and records on the wrong subject are skipped', () => {
    const mixed = decodeIngest(LogSubjects.ingestLines, JSON.stringify([line('a'), { id: 'x' }, 42, null, span]));
    assert.deepEqual(
      mixed.lines.map((l) => l.id),
      ['a'],
    );
    assert.deepEqual(decodeIngest(LogSubjects.ingestLines, 'not json'), { lines: [], spans: [] });
    assert.deepEqual(decodeIngest(LogSubjects.ingestSpans, JSON.stringify(line('a'))), { lines: [], spans: [] });
  });

  it('ingest - a message of valid lines of one service is marked for the tail as is, any other is not', () => {
    const of = (service: string, id: string): LogLine => ({ ...line(id), service });
    assert.equal(decodeIngest(LogSubjects.ingestLines, JSON.stringify([of('A.b', 'a'), of('A.b', 'b')])).tailOf, 'A.b');
    assert.equal(decodeIngest(LogSubjects.ingestLines, JSON.stringify([of('A.b', 'a'), of('C.d', 'b')])).tailOf, undefined);
    assert.equal(decodeIngest(LogSubjects.ingestLines, JSON.stringify([of('A.b', 'a'), { id: 'x' }])).tailOf, undefined);
    assert.equal(decodeIngest(LogSubjects.ingestLines, JSON.stringify(of('A.b', 'a'))).tailOf, undefined);
    assert.equal(decodeIngest(LogSubjects.ingestSpans, JSON.stringify([span])).tailOf, undefined);
  });
});
