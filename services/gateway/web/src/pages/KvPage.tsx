import { useState } from 'react';
import type { KvClusterSummary } from '@msec/contracts';
import { Can, Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';
import KvClusterView from './KvClusterView';
import { ClusterForm } from './KvDialogs';
import './KvPage.css';

/** KV: Redis Clusters registered with kv-admin; pick one for its topology, health, samples, operations and keys. */
export default function KvPage() {
  const { data, error, loading, reload } = useApi<{ items: KvClusterSummary[] }>('/api/v1/kv/clusters?limit=200');
  const [selected, setSelected] = useState<string>();
  const [form, setForm] = useState<'register' | 'create'>();
  const clusters = data?.items ?? [];
  const current = selected ?? (clusters.length === 1 ? clusters[0]!.name : undefined);

  return (
    <>
      <PageHeader
        title="KV"
        subtitle="Redis Clusters: topology, health, operations with live progress, per-node samples, slow log and key lookup."
        actions={
          <Can role="developer">
            <button data-testid="mutation-button" onClick={() => setForm('register')}>
              Register cluster
            </button>
            <button className="primary" data-testid="mutation-button" onClick={() => setForm('create')}>
              Create cluster
            </button>
          </Can>
        }
      />
      {form && (
        <Card title={form === 'register' ? 'Register an existing cluster' : 'Create a cluster from empty nodes'}>
          <ClusterForm
            key={form}
            mode={form}
            onCancel={() => setForm(undefined)}
            onDone={(name) => {
              setForm(undefined);
              setSelected(name);
              reload();
            }}
          />
        </Card>
      )}
      <Card title="Clusters" testId="kv-clusters">
        {loading && !data ? (
          <p className="muted">Loading…</p>
        ) : error?.status === 503 ? (
          <EmptyState title="KV administration is not answering">
            The kv-admin service is not running or not reachable over NATS; clusters show here once it is (./msec status).
          </EmptyState>
        ) : error ? (
          <ErrorBanner error={error} />
        ) : clusters.length === 0 ? (
          <EmptyState title="No KV clusters yet">
            Register a running Redis Cluster by one of its nodes, or create one from empty cluster-enabled redis-servers.
          </EmptyState>
        ) : (
          <Table
            rows={clusters}
            rowKey={(c) => c.name}
            columns={[
              {
                title: 'Name',
                render: (c) => (
                  <button
                    className={`link${c.name === current ? ' selected' : ''}`}
                    aria-current={c.name === current}
                    onClick={() => setSelected(c.name)}
                  >
                    {c.name}
                  </button>
                ),
              },
              { title: 'Nodes', render: (c) => <span className="small">{c.seeds.join(', ')}</span> },
              { title: 'Password', render: (c) => (c.hasPassword ? 'yes' : 'no') },
              { title: 'Registered', render: (c) => when(c.createdAt) },
            ]}
          />
        )}
      </Card>
      {current && (
        <KvClusterView
          key={current}
          cluster={current}
          onUnregistered={() => {
            setSelected(undefined);
            reload();
          }}
        />
      )}
    </>
  );
}
