import type { ComponentType } from 'react';
import type { Role } from './auth';
import AuditPage from './pages/AuditPage';
import CapacityPage from './pages/CapacityPage';
import CallGraphPage from './pages/CallGraphPage';
import DashboardPage from './pages/DashboardPage';
import HostsPage from './pages/HostsPage';
import KvPage from './pages/KvPage';
import LogsPage from './pages/LogsPage';
import MessagesPage from './pages/MessagesPage';
import MonitoringPage from './pages/MonitoringPage';
import ReleasesPage from './pages/ReleasesPage';
import ServicesPage from './pages/ServicesPage';
import SettingsPage from './pages/SettingsPage';
import WebhooksPage from './pages/WebhooksPage';

/** One console page: its path, its name in the navigation, and who may see it. */
export interface RouteDef {
  path: string;
  title: string;
  icon: string;
  page: ComponentType;
  /** Hidden from the navigation (and refused) below this role; the API enforces it anyway. */
  minRole?: Role;
}

/** Adding a page: write `pages/XPage.tsx`, import it above and add one line here. */
export const ROUTES: RouteDef[] = [
  { path: '/', title: 'Dashboard', icon: '⌂', page: DashboardPage },
  { path: '/services', title: 'Services', icon: '▦', page: ServicesPage },
  { path: '/releases', title: 'Releases', icon: '⇪', page: ReleasesPage },
  { path: '/monitoring', title: 'Monitoring', icon: '∿', page: MonitoringPage },
  { path: '/logs', title: 'Logs', icon: '≡', page: LogsPage },
  { path: '/call-graph', title: 'Call graph', icon: '⋔', page: CallGraphPage },
  { path: '/kv', title: 'KV', icon: '⛁', page: KvPage },
  { path: '/messages', title: 'Messages', icon: '✉', page: MessagesPage },
  { path: '/hosts', title: 'Hosts', icon: '▤', page: HostsPage },
  { path: '/capacity', title: 'Capacity', icon: '◔', page: CapacityPage },
  { path: '/webhooks', title: 'Webhooks', icon: '⚡', page: WebhooksPage, minRole: 'admin' },
  { path: '/audit', title: 'Audit', icon: '✎', page: AuditPage, minRole: 'admin' },
  { path: '/settings', title: 'Settings', icon: '⚙', page: SettingsPage },
];
