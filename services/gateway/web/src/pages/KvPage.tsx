import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** KV: Redis Cluster administration: sets, slots, replicas. */
export default function KvPage() {
  return (
    <ResourceList<Row>
      title="KV"
      subtitle="Redis Cluster administration: sets, slots, replicas."
      endpoint="/api/v1/kv/clusters"
      emptyText="Create a KV cluster to store data close to your services."
      createLabel="New cluster"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
