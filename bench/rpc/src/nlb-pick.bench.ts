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
// Give every instance a history first, as in steady use.
for (let i = 0; i < 10_000; i++) {
  const route = nlb.getRoute('Bench.svc');
  nlb.reportResult(route, true, 1 + (route.port % 3));
}
let sink = 0;
const m = measureSync(() => {
  sink += nlb.getRoute('Bench.svc').port;
}, benchSeconds() * 1000);
if (sink < 0) console.log(sink);
report('nlb-pick', 'getRoute alone over 10 instances with a success and latency history (smooth weighted, adaptive), in process', m);
