import { ResourceList, when } from '../ui';

interface Row {
  id: string;
  name?: string;
  status?: string;
  updatedAt?: string;
}

/** Messages: Message bus subjects, consumer groups, delayed messages and dead letters. */
export default function MessagesPage() {
  return (
    <ResourceList<Row>
      title="Messages"
      subtitle="Message bus subjects, consumer groups, delayed messages and dead letters."
      endpoint="/api/v1/bus/subjects"
      emptyText="Subjects appear once a service publishes to them."
      createLabel="New subject"
      rowKey={(r) => r.id}
      columns={[
        { title: 'Name', render: (r) => r.name ?? r.id },
        { title: 'Status', render: (r) => r.status ?? '—' },
        { title: 'Updated', render: (r) => when(r.updatedAt) },
      ]}
    />
  );
}
