import { useState, type FormEvent } from 'react';
import type { RoutingRule, TrafficPolicyView } from '@msec/contracts';
import { api } from '../api';
import { Can, Card, ErrorBanner, Table, useApi, useMutation } from '../ui';

/** A rule's conditions in words. */
function condition(r: RoutingRule): string {
  const parts: string[] = [];
  if (r.caller) parts.push(`caller is ${r.caller}`);
  if (r.field && r.values) parts.push(`${r.field} is ${r.values.join(', ')}`);
  else if (r.field) parts.push(`${r.percent} % of ${r.field} values`);
  else if (r.percent !== undefined) parts.push(`${r.percent} % of requests`);
  return parts.join(' and ');
}

/**
 * Routing rules of a service (gray releases): callers send the requests a rule matches to the instances carrying its
 * tag; requests no rule matches stay on the untagged instances. Tags are set per instance here too.
 */
export default function ServicesRouting({ service, onTagged }: { service: string; onTagged: () => void }) {
  const base = `/api/v1/services/${encodeURIComponent(service)}`;
  const { data, error, reload } = useApi<TrafficPolicyView>(`${base}/traffic`);
  const { act, busy, error: failure } = useMutation(reload);
  const [rule, setRule] = useState({ id: '', tag: '', caller: '', field: '', values: '', percent: '' });
  const [instance, setInstance] = useState('');
  const [tags, setTags] = useState('');
  const change = (key: keyof typeof rule) => (e: { target: { value: string } }) => setRule({ ...rule, [key]: e.target.value });

  const saveRule = async (e: FormEvent) => {
    e.preventDefault();
    const values = rule.values
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    const body = {
      tag: rule.tag.trim(),
      ...(rule.caller.trim() ? { caller: rule.caller.trim() } : {}),
      ...(rule.field.trim() ? { field: rule.field.trim() } : {}),
      ...(values.length > 0 ? { values } : {}),
      ...(rule.percent.trim() ? { percent: Number(rule.percent) } : {}),
    };
    if (await act(() => api('PUT', `${base}/routes/${encodeURIComponent(rule.id.trim())}`, body)))
      setRule({ id: '', tag: '', caller: '', field: '', values: '', percent: '' });
  };
  const saveTags = async (e: FormEvent) => {
    e.preventDefault();
    const list = tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (await act(() => api('PUT', `${base}/instances/${encodeURIComponent(instance.trim())}/tags`, { tags: list }))) {
      setInstance('');
      setTags('');
      onTagged();
    }
  };

  return (
    <Card title="Routing rules" testId="service-routing">
      <ErrorBanner error={failure ?? error} />
      {data && data.routes.length === 0 && <p className="muted small">No routing rules: every call goes to the untagged instances.</p>}
      {data && data.routes.length > 0 && (
        <Table
          rows={data.routes}
          rowKey={(r) => r.id}
          columns={[
            { title: 'Rule', render: (r) => <code>{r.id}</code> },
            { title: 'Order', render: (r) => r.order },
            { title: 'To tag', render: (r) => <span className="badge">{r.tag}</span> },
            { title: 'When', render: (r) => <span data-testid={`route-${r.id}`}>{condition(r)}</span> },
            {
              title: '',
              render: (r) => (
                <Can role="developer">
                  <button
                    className="small danger"
                    disabled={busy}
                    onClick={() => act(() => api('DELETE', `${base}/routes/${encodeURIComponent(r.id)}`))}
                  >
                    Remove rule
                  </button>
                </Can>
              ),
            },
          ]}
        />
      )}
      <Can role="developer">
        <form className="svc-add toolbar" onSubmit={saveRule}>
          <input aria-label="Rule id" placeholder="beta-users" value={rule.id} onChange={change('id')} required />
          <input aria-label="Tag" placeholder="v2" value={rule.tag} onChange={change('tag')} required />
          <input aria-label="Caller service" placeholder="caller (optional)" value={rule.caller} onChange={change('caller')} />
          <input aria-label="Request field" placeholder="field (optional)" value={rule.field} onChange={change('field')} />
          <input aria-label="Values (comma-separated)" placeholder="values" value={rule.values} onChange={change('values')} />
          <input
            aria-label="Percent"
            type="number"
            min={0.001}
            max={100}
            step="any"
            placeholder="%"
            value={rule.percent}
            onChange={change('percent')}
          />
          <button type="submit" disabled={busy}>
            Set rule
          </button>
        </form>
        <form className="svc-add toolbar" onSubmit={saveTags}>
          <input
            aria-label="Instance to tag (ip:port)"
            placeholder="127.0.0.1:8090"
            value={instance}
            onChange={(e) => setInstance(e.target.value)}
            required
          />
          <input
            aria-label="Tags (comma-separated, empty to untag)"
            placeholder="v2"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            Set tags
          </button>
        </form>
      </Can>
    </Card>
  );
}
