import { useState } from 'react';
import type { CapacityReport } from '@msec/contracts';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi } from '../ui';

const figure = (n: number | null, unit: string): string => (n === null ? '—' : `${n}${unit}`);

/** Capacity: per service, what its instances use and serve, and how many it needs for a target CPU per instance. */
export default function CapacityPage() {
  const [target, setTarget] = useState(60);
  const { data, error } = useApi<CapacityReport>(`/api/v1/capacity?targetCpu=${target}`);
  return (
    <>
      <PageHeader
        title="Capacity"
        subtitle="Per service: instances, calls per second (last 5 minutes), CPU and memory from the agents, and the instances needed."
      />
      <ErrorBanner error={error} />
      <Card title="Plan">
        <div className="toolbar">
          <label htmlFor="target-cpu">Target CPU per instance (% of one core)</label>
          <input
            id="target-cpu"
            aria-label="Target CPU per instance"
            type="number"
            min={1}
            max={100}
            style={{ width: '6rem' }}
            value={target}
            onChange={(e) => setTarget(Math.min(100, Math.max(1, Number(e.target.value) || 60)))}
          />
        </div>
        <p className="muted small">
          Suggested instances = ceil(CPU the service uses in total ÷ target per instance), at least 2 so one can fail while the other
          serves.
        </p>
      </Card>
      {data && data.services.length === 0 && (
        <EmptyState title="Nothing runs yet">Release a service to a host to see its capacity.</EmptyState>
      )}
      {data &&
        data.services.map((s) => (
          <Card key={s.service} title={s.service} testId={`capacity-${s.service}`}>
            <p className="small" data-testid={`capacity-summary-${s.service}`}>
              {s.instances.length} instance(s) on {s.hosts.length} host(s) ·{' '}
              {s.callsPerSecond === null ? 'calls/s not reported' : `${s.callsPerSecond} calls/s`} · CPU {s.cpuPercentTotal} % · memory{' '}
              {s.rssMbTotal} MB · <strong>suggested {s.suggestedInstances}</strong>
            </p>
            <p className="muted small">{s.rule}</p>
            <Table
              rows={s.instances}
              rowKey={(i) => `${i.hostId}/${i.name}`}
              columns={[
                { title: 'Instance', render: (i) => <code>{`${i.name}:${i.port}`}</code> },
                { title: 'Host', render: (i) => i.hostId },
                { title: 'CPU', render: (i) => figure(i.cpuPercent, ' %') },
                { title: 'Memory', render: (i) => figure(i.rssMb, ' MB') },
              ]}
            />
          </Card>
        ))}
    </>
  );
}
