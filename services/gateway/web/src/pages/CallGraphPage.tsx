import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Call graph: Who called whom for one request, with timings. */
export default function CallGraphPage() {
  return (
    <ResourceList<Row>
      title="Call graph"
      subtitle="Who called whom for one request, with timings."
      endpoint="/api/v1/calls"
      emptyText="Pick a request id from the logs to see its call graph."
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
