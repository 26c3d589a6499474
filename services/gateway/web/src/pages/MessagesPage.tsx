import { useEffect, useState, type FormEvent } from 'react';
import type { BusConsumerView, BusDeadLetterView, BusPublishReply, BusPublishRequest, BusStreamView } from '@msec/contracts';
import { api, ApiError, type Page } from '../api';
import { Can, Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';
import { MessagesTrace } from './MessagesTrace';
import './MessagesPage.css';

const REFRESH_MS = 5_000;

/** Re-runs `reload` every few seconds while the page is open. */
function useRefresh(...reloads: Array<() => void>): void {
  useEffect(() => {
    const timer = setInterval(() => reloads.forEach((r) => r()), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function json(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** Messages: streams and consumers with lag, dead letters (inspect, re-drive, discard), trace, publish. */
export default function MessagesPage() {
  const streams = useApi<{ items: BusStreamView[] }>('/api/v1/messages/streams');
  const unavailable = streams.error && (streams.error.status === 503 || streams.error.status === 504 || streams.error.status === 404);
  const [traceId, setTraceId] = useState('');
  return (
    <div className="messages-page">
      <PageHeader title="Messages" subtitle="Streams, consumer groups and their lag, dead letters, message traces, publishing." />
      {unavailable ? (
        <Card>
          <EmptyState title="The message bus is not reachable">
            The deploy service hosts the bus API; start it (./msec up) and this page fills in. ({streams.error!.code})
          </EmptyState>
        </Card>
      ) : (
        <>
          <ErrorBanner error={streams.error} />
          <StreamsCard streams={streams.data?.items} reload={streams.reload} />
          <ConsumersCard />
          <DeadLettersCard onTrace={setTraceId} />
          <MessagesTrace msgId={traceId} onMsgId={setTraceId} />
          <Can role="developer">
            <PublishCard onTrace={setTraceId} />
          </Can>
        </>
      )}
    </div>
  );
}

function StreamsCard({ streams, reload }: { streams: BusStreamView[] | undefined; reload: () => void }) {
  useRefresh(reload);
  return (
    <Card title="Streams" testId="streams">
      {streams === undefined ? (
        <p className="muted">Loading…</p>
      ) : streams.length === 0 ? (
        <EmptyState title="No streams yet">They are created when the bus starts.</EmptyState>
      ) : (
        <Table
          rows={streams}
          rowKey={(s) => s.name}
          columns={[
            { title: 'Stream', render: (s) => <strong>{s.name}</strong> },
            { title: 'Subjects', render: (s) => <code>{s.subjects.join(' ')}</code> },
            { title: 'Messages', render: (s) => s.messages, className: 'num' },
            { title: 'Size', render: (s) => bytes(s.bytes), className: 'num' },
            { title: 'Consumers', render: (s) => s.consumers, className: 'num' },
          ]}
        />
      )}
    </Card>
  );
}

function ConsumersCard() {
  const consumers = useApi<{ items: BusConsumerView[] }>('/api/v1/messages/consumers');
  useRefresh(consumers.reload);
  const rows = consumers.data?.items ?? [];
  return (
    <Card title="Consumer groups (MSEC_MQ)" testId="consumers">
      <ErrorBanner error={consumers.error} />
      {rows.length === 0 ? (
        <p className="muted">{consumers.loading ? 'Loading…' : 'No consumers: they appear when a service subscribes.'}</p>
      ) : (
        <Table
          rows={rows}
          rowKey={(c) => c.name}
          columns={[
            { title: 'Consumer', render: (c) => c.name },
            { title: 'Subject', render: (c) => <code>{c.filterSubject.replace(/^msec\.mq\./, '')}</code> },
            { title: 'Kind', render: (c) => (c.durable ? 'group' : 'broadcast') },
            { title: 'Lag', render: (c) => <span className={c.pending > 0 ? 'lag' : ''}>{c.pending}</span>, className: 'num' },
            { title: 'Unacked', render: (c) => c.ackPending, className: 'num' },
            { title: 'Redelivered', render: (c) => c.redelivered, className: 'num' },
          ]}
        />
      )}
    </Card>
  );
}

function DeadLettersCard({ onTrace }: { onTrace: (msgId: string) => void }) {
  const [group, setGroup] = useState('');
  const [filter, setFilter] = useState('');
  const list = useApi<Page<BusDeadLetterView>>(
    `/api/v1/messages/dead-letters?limit=200${filter ? `&group=${encodeURIComponent(filter)}` : ''}`,
  );
  useRefresh(list.reload);
  const [open, setOpen] = useState<BusDeadLetterView | undefined>();
  const [error, setError] = useState<ApiError | string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  async function act(d: BusDeadLetterView, what: 'redrive' | 'discard'): Promise<void> {
    setError(undefined);
    setNotice(undefined);
    try {
      const id = encodeURIComponent(d.message.msgId);
      if (what === 'redrive') await api('POST', `/api/v1/messages/dead-letters/${id}/redrive`, { group: d.group });
      else await api('DELETE', `/api/v1/messages/dead-letters/${id}?group=${encodeURIComponent(d.group)}`);
      setNotice(`${what === 'redrive' ? 'Re-drove' : 'Discarded'} ${d.message.msgId} (${d.group})`);
      setOpen(undefined);
      list.reload();
    } catch (e) {
      setError(e instanceof ApiError ? e : String(e));
    }
  }

  const rows = list.data?.items ?? [];
  return (
    <Card
      title="Dead letters"
      testId="dead-letters"
      actions={
        <form
          className="inline-form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            setFilter(group.trim());
          }}
        >
          <input aria-label="Group filter" placeholder="group (all)" value={group} onChange={(e) => setGroup(e.target.value)} />
          <button type="submit">Filter</button>
        </form>
      }
    >
      <ErrorBanner error={error ?? list.error} />
      {notice && <p className="notice">{notice}</p>}
      {rows.length === 0 ? (
        <p className="muted">{list.loading && !list.data ? 'Loading…' : 'No dead letters.'}</p>
      ) : (
        <Table
          rows={rows}
          rowKey={(d) => d.seq}
          columns={[
            { title: 'Message id', render: (d) => <code>{d.message.msgId}</code> },
            { title: 'Subject', render: (d) => d.message.subject },
            { title: 'Group', render: (d) => d.group },
            { title: 'Attempts', render: (d) => d.attempts, className: 'num' },
            { title: 'Reason', render: (d) => <span className="reason">{d.reason}</span> },
            { title: 'Dead since', render: (d) => when(d.deadAt) },
            {
              title: 'Actions',
              render: (d) => (
                <div className="row-actions">
                  <button onClick={() => setOpen(d)}>Inspect</button>
                  <button onClick={() => onTrace(d.message.msgId)}>Trace</button>
                  <Can role="admin">
                    <button className="primary" data-testid="mutation-button" onClick={() => void act(d, 'redrive')}>
                      Re-drive
                    </button>
                    <button
                      className="danger"
                      data-testid="mutation-button"
                      onClick={() => window.confirm(`Discard ${d.message.msgId} for ${d.group} for good?`) && void act(d, 'discard')}
                    >
                      Discard
                    </button>
                  </Can>
                </div>
              ),
            },
          ]}
        />
      )}
      {open && (
        <div className="dead-letter-detail" data-testid="dead-letter-detail">
          <div className="card-head">
            <h3>
              {open.message.msgId} · {open.group}
            </h3>
            <button onClick={() => setOpen(undefined)}>Close</button>
          </div>
          <p>
            <strong>{open.attempts}</strong> attempts, dead since {when(open.deadAt)}
            {open.redriveCount > 0 && `, re-driven ${open.redriveCount}×`}. Reason: <span className="reason">{open.reason}</span>
          </p>
          <p className="muted small">
            Published {when(open.message.publishedAt)} by {open.message.producer || '—'}
            {open.message.tags.length > 0 && ` · tags ${open.message.tags.join(', ')}`}
          </p>
          <h4>Content</h4>
          <pre className="msg-body">{json(open.message.body)}</pre>
          <h4>Headers</h4>
          <HeadersTable msgId={open.message.msgId} group={open.group} />
        </div>
      )}
    </Card>
  );
}

/** The stored headers come from the inspect endpoint (the list leaves them out). */
function HeadersTable({ msgId, group }: { msgId: string; group: string }) {
  const res = useApi<{ items: BusDeadLetterView[] }>(
    `/api/v1/messages/dead-letters/${encodeURIComponent(msgId)}?group=${encodeURIComponent(group)}`,
  );
  const headers = Object.entries(res.data?.items[0]?.message.headers ?? {});
  if (res.error) return <ErrorBanner error={res.error} />;
  if (res.loading && !res.data) return <p className="muted">Loading…</p>;
  return (
    <table className="headers">
      <tbody>
        {headers.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              <code>{v}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PublishCard({ onTrace }: { onTrace: (msgId: string) => void }) {
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('{}');
  const [tags, setTags] = useState('');
  const [delayMs, setDelayMs] = useState('');
  const [at, setAt] = useState('');
  const [error, setError] = useState<ApiError | string | undefined>();
  const [done, setDone] = useState<BusPublishReply | undefined>();

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      setError('Body: must be valid JSON');
      return;
    }
    const request: BusPublishRequest = { subject: subject.trim(), body: parsed };
    const tagList = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (tagList.length > 0) request.tags = tagList;
    if (delayMs.trim() !== '') request.delayMs = Number(delayMs);
    if (at.trim() !== '') request.deliverAt = new Date(at).toISOString();
    try {
      setDone(await api<BusPublishReply>('POST', '/api/v1/messages', request));
    } catch (err) {
      setError(err instanceof ApiError ? err : String(err));
    }
  }

  return (
    <Card title="Publish" testId="publish">
      <form className="form publish-form" onSubmit={(e) => void submit(e)}>
        <label>
          Subject
          <input value={subject} onChange={(e) => setSubject(e.target.value)} placeholder="order.created" required />
        </label>
        <label>
          Body (JSON)
          <textarea value={body} onChange={(e) => setBody(e.target.value)} rows={4} />
        </label>
        <label>
          Tags
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="vip, eu (up to 10)" />
        </label>
        <label>
          Delay (ms)
          <input value={delayMs} onChange={(e) => setDelayMs(e.target.value)} inputMode="numeric" placeholder="e.g. 60000" />
        </label>
        <label>
          Or deliver at
          <input type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <div className="actions">
          <button className="primary" type="submit" data-testid="mutation-button">
            Publish
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {done && (
        <p className="notice">
          Stored as <code>{done.msgId}</code>
          {done.deliverAt && `, due ${when(done.deliverAt)}`}.{' '}
          <button type="button" onClick={() => onTrace(done.msgId)}>
            Trace it
          </button>
        </p>
      )}
    </Card>
  );
}
