import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Releases: Release plans with canary batches, health gates and rollback. */
export default function ReleasesPage() {
  return (
    <ResourceList<Row>
      title="Releases"
      subtitle="Release plans with canary batches, health gates and rollback."
      endpoint="/api/v1/releases"
      emptyText="Release plans you create appear here with their progress."
      createLabel="New release"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
