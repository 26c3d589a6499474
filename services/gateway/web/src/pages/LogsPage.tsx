import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Logs: Structured logs from every host, searchable by service, request id and time. */
export default function LogsPage() {
  return (
    <ResourceList<Row>
      title="Logs"
      subtitle="Structured logs from every host, searchable by service, request id and time."
      endpoint="/api/v1/logs"
      emptyText="No log lines match yet."
      createLabel="New colouring rule"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
