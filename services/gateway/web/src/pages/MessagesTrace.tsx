import { useEffect, useState, type FormEvent } from 'react';
import type { BusTraceStep, BusTraceView } from '@msec/contracts';
import { ApiError, api, get } from '../api';
import { Can, Card, ErrorBanner, when } from '../ui';

const LABELS: Record<string, string> = {
  published: 'Published',
  scheduled: 'Scheduled',
  dispatched: 'Dispatched (due)',
  delivered: 'Delivered',
  acked: 'Handled',
  retry: 'Failed, retry',
  dropped: 'Dropped',
  dead: 'Dead-lettered',
  redriven: 'Re-driven',
};

function detail(s: BusTraceStep): string {
  const parts: string[] = [];
  if (s.consumer) parts.push(s.consumer);
  else if (s.group) parts.push(`group ${s.group}`);
  if (s.attempt !== undefined) parts.push(`attempt ${s.attempt}`);
  if (s.producer && s.kind === 'published') parts.push(`by ${s.producer}`);
  if (s.stream) parts.push(s.stream);
  if (s.nextAttemptAt) parts.push(`next at ${when(s.nextAttemptAt)}`);
  if (s.lateMs !== undefined) parts.push(`${s.lateMs} ms late`);
  return parts.join(' · ');
}

/** Trace lookup by message id: content and a timeline of publish, dispatch and every delivery attempt. */
export function MessagesTrace({ msgId, onMsgId }: { msgId: string; onMsgId: (id: string) => void }) {
  const [input, setInput] = useState(msgId);
  const [trace, setTrace] = useState<BusTraceView | undefined>();
  const [error, setError] = useState<ApiError | string | undefined>();
  const [cancelled, setCancelled] = useState<string | undefined>();
  /** A scheduled message not yet sent (no dispatch step, not withdrawn) can still be cancelled. */
  const pending =
    trace?.deliverAt != null && !trace.timeline.some((s) => s.kind === 'dispatched' || s.kind === 'cancelled') && cancelled !== trace.msgId;
  const cancel = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/messages/scheduled/${encodeURIComponent(id)}`);
      setCancelled(id);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e : String(e));
    }
  };

  useEffect(() => {
    setInput(msgId);
    if (!msgId) return;
    let live = true;
    setError(undefined);
    get<BusTraceView>(`/api/v1/messages/trace/${encodeURIComponent(msgId)}`).then(
      (t) => live && setTrace(t),
      (e: unknown) => live && (setTrace(undefined), setError(e instanceof ApiError ? e : String(e))),
    );
    return () => {
      live = false;
    };
  }, [msgId]);

  return (
    <Card
      title="Trace"
      testId="trace"
      actions={
        <form
          className="inline-form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            onMsgId('');
            setTimeout(() => onMsgId(input.trim()), 0);
          }}
        >
          <input aria-label="Message id" placeholder="message id" value={input} onChange={(e) => setInput(e.target.value)} />
          <button type="submit">Look up</button>
        </form>
      }
    >
      <ErrorBanner error={error} />
      {!trace ? (
        <p className="muted">Enter a message id, or press Trace on a dead letter.</p>
      ) : trace.timeline.length === 0 ? (
        <p className="muted">Nothing is recorded for {trace.msgId} (unknown, or older than the trace retention).</p>
      ) : (
        <div className="trace">
          <p>
            <code>{trace.msgId}</code> on <strong>{trace.subject ?? '—'}</strong> by {trace.producer ?? '—'}, published{' '}
            {when(trace.publishedAt)}
            {trace.deliverAt && `, due ${when(trace.deliverAt)}`}
            {trace.tags.length > 0 && ` · tags ${trace.tags.join(', ')}`}
            {trace.dead && <span className="badge dead"> dead letter</span>}
            {cancelled === trace.msgId && <span className="badge warn"> cancelled</span>}
          </p>
          {pending && (
            <Can role="developer">
              <button className="small danger" data-testid="mutation-button" onClick={() => void cancel(trace.msgId)}>
                Cancel this scheduled message
              </button>
            </Can>
          )}
          <ol className="timeline" data-testid="trace-timeline">
            {trace.timeline.map((s, i) => (
              <li key={i} className={`step step-${s.kind}`}>
                <span className="step-time">{new Date(s.at).toLocaleTimeString()}</span>
                <strong>{LABELS[s.kind] ?? s.kind}</strong>
                <span className="muted"> {detail(s)}</span>
                {s.error && <div className="reason">{s.error}</div>}
              </li>
            ))}
          </ol>
          {trace.body !== null && (
            <>
              <h4>Content</h4>
              <pre className="msg-body">{typeof trace.body === 'string' ? trace.body : JSON.stringify(trace.body, null, 2)}</pre>
            </>
          )}
        </div>
      )}
    </Card>
  );
}
