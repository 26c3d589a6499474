import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Hosts: Machines running an agent, with load and the instances on them. */
export default function HostsPage() {
  return (
    <ResourceList<Row>
      title="Hosts"
      subtitle="Machines running an agent, with load and the instances on them."
      endpoint="/api/v1/hosts"
      emptyText="Install the agent on a machine to see it here."
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
