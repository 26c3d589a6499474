/** The state of one dependency of a component. */
export interface DependencyHealth {
  name: string;
  ok: boolean;
  detail?: string;
}

/** What `msec.<name>.health` answers. */
export interface HealthReport {
  component: string;
  /** True only when every dependency is ready. */
  ready: boolean;
  pid: number;
  uptimeSeconds: number;
  dependencies: DependencyHealth[];
}
