import { Nlb, StaticRouteSource, type RouteInstance } from '@msec/nlb';
import { benchSeconds, measureSync, report } from './bench-kit.js';

const instances: RouteInstance[] = Array.from({ length: 10 }, (_, i) => ({
  ip: '127.0.0.1',
  port: 7000 + i,
  weight: 1000 + i * 100,
  enabled: true,
  live: true,
  protocol: 'msec',
}));
const nlb = new Nlb({ routes: new StaticRouteSource({ 'Bench.svc': instances }) });
let n = 0;
const m = measureSync(() => {
  const route = nlb.getRoute('Bench.svc');
  nlb.reportResult(route, n++ % 50 !== 0, 1 + (route.port % 3));
}, benchSeconds() * 1000);
report('nlb-pick-report', 'getRoute + reportResult over 10 instances, 2 % failures (ejections and probes happen), in process', m);
