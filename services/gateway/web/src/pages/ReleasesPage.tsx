import { useEffect, useState } from 'react';
import type { ReleasePlanView } from '@msec/contracts';
import { useLiveEvents } from '../live';
import { Can, Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';
import { ConfigsTab, IdlTab, PackagesTab } from './ReleasesArtifacts';
import { CreatePlanForm, PlanDetail, ProgressBar, StateBadge, planPercent } from './ReleasesPlan';
import './ReleasesPage.css';

const TABS = ['Plans', 'Packages', 'Configs', 'IDL'] as const;
type Tab = (typeof TABS)[number];

/** Release plans with their progress, refreshed on every progress event. */
function PlansTab() {
  const { data, error, reload } = useApi<{ items: ReleasePlanView[] }>('/api/v1/releases?limit=50');
  const [selected, setSelected] = useState<string>();
  const [creating, setCreating] = useState(false);
  const events = useLiveEvents(1);
  const last = events[0];
  useEffect(() => {
    if (last?.subject.startsWith('msec.events.deploy.')) reload();
  }, [last, reload]);
  const plans = data?.items ?? [];
  return (
    <>
      <Can role="developer">
        {!creating && (
          <div className="toolbar">
            <button className="primary" data-testid="mutation-button" onClick={() => setCreating(true)}>
              New release
            </button>
          </div>
        )}
      </Can>
      {creating && (
        <CreatePlanForm
          onCancel={() => setCreating(false)}
          onCreated={(planId) => {
            setCreating(false);
            setSelected(planId);
            reload();
          }}
        />
      )}
      <ErrorBanner error={error} />
      <Card title="Release plans" testId="plans">
        {plans.length === 0 ? (
          <EmptyState title="No release plans yet">
            {error
              ? 'Release plans cannot be listed while the deploy service does not answer.'
              : 'Upload a package, then create a release plan: canary first, then batches, each host behind a health gate.'}
          </EmptyState>
        ) : (
          <Table
            rows={plans}
            rowKey={(p) => p.planId}
            columns={[
              {
                title: 'Plan',
                render: (p) => (
                  <button
                    className="link"
                    data-testid={`plan-${p.planId}`}
                    aria-current={p.planId === selected}
                    onClick={() => setSelected(p.planId)}
                  >
                    {p.kind === 'rollback' ? '↶ ' : ''}
                    {p.service}
                  </button>
                ),
              },
              { title: 'Version', render: (p) => `${p.target.packageName}@${p.target.packageVersion}` },
              { title: 'Hosts', render: (p) => String(p.hosts.length) },
              { title: 'State', render: (p) => <StateBadge state={p.state} /> },
              { title: 'Progress', render: (p) => <ProgressBar percent={planPercent(p)} state={p.state} /> },
              { title: 'Created', render: (p) => when(new Date(p.createdAt).toISOString()) },
            ]}
          />
        )}
      </Card>
      {selected && <PlanDetail key={selected} planId={selected} onChanged={(next) => (next ? setSelected(next) : reload())} />}
    </>
  );
}

/** Releases: plans with live progress, and the packages, config and IDL versions they ship. */
export default function ReleasesPage() {
  const [tab, setTab] = useState<Tab>('Plans');
  const [service, setService] = useState('');
  return (
    <>
      <PageHeader
        title="Releases"
        subtitle="Release plans with canary batches, health gates and rollback; packages, configs and IDL versions."
      />
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={t === tab} onClick={() => setTab(t)}>
            {t}
          </button>
        ))}
      </div>
      {(tab === 'Configs' || tab === 'IDL') && (
        <div className="service-pick">
          <label>
            Service
            <input value={service} onChange={(e) => setService(e.target.value.trim())} placeholder="First.Second, e.g. Demo.echo" />
          </label>
        </div>
      )}
      {tab === 'Plans' && <PlansTab />}
      {tab === 'Packages' && <PackagesTab />}
      {tab === 'Configs' && <ConfigsTab service={service} />}
      {tab === 'IDL' && <IdlTab service={service} />}
    </>
  );
}
