import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Services: The service tree: every First.Second service, its instances and configuration. */
export default function ServicesPage() {
  return (
    <ResourceList<Row>
      title="Services"
      subtitle="The service tree: every First.Second service, its instances and configuration."
      endpoint="/api/v1/services"
      emptyText="Create a service to start routing calls to it."
      createLabel="New service"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
