import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Monitoring: Per-minute business and RPC metrics, and the alarms raised on them. */
export default function MonitoringPage() {
  return (
    <ResourceList<Row>
      title="Monitoring"
      subtitle="Per-minute business and RPC metrics, and the alarms raised on them."
      endpoint="/api/v1/alarms"
      emptyText="No alarms: everything is within its limits."
      createLabel="New alarm rule"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
