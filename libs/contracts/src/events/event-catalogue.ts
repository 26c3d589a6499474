import { MsecError } from '../msec-error.js';
import type { EventDefinition } from './event-definition.js';
import { EventStreams } from './event-stream.js';
import { deployEventDefinitions } from './deploy.events.js';
import { gatewayEventDefinitions } from './gateway.events.js';
import { kvEventDefinitions } from './kv.events.js';
import { logEventDefinitions } from './log.events.js';
import { monitorEventDefinitions } from './monitor.events.js';
import { registryEventDefinitions } from './registry.events.js';

/** Every event a user can subscribe to: one array per service, in the order of the console's menu. */
export const EVENT_CATALOGUE: readonly EventDefinition[] = [
  ...registryEventDefinitions,
  ...deployEventDefinitions,
  ...monitorEventDefinitions,
  ...logEventDefinitions,
  ...kvEventDefinitions,
  ...gatewayEventDefinitions,
];

/** The catalogue entry of `type`, or an error listing the known types. */
export function eventDefinitionOf(type: string, catalogue: readonly EventDefinition[] = EVENT_CATALOGUE): EventDefinition {
  const found = catalogue.find((d) => d.type === type);
  if (found === undefined) {
    throw new MsecError(
      'EVENT_TYPE_UNKNOWN',
      `event type '${type}' is not in the event catalogue; use one of ${catalogue.map((d) => d.type).join(', ')} (see docs/events.md)`,
      { status: 400, data: { field: 'type', type } },
    );
  }
  return found;
}

/**
 * The subject filter (relative to the event stream or the feed) that holds every event of a definition: each
 * token holding a `<placeholder>` (`plan_<plan id>` too) becomes `*`, and a trailing one `>` (a service name such as `Flight.mod_flight` spans several tokens).
 */
export function eventSubjectFilter(definition: EventDefinition): string {
  const tokens = definition.subject.split('.');
  const mapped = tokens.map((t, i) => (/<[^>]*>/.test(t) ? (i === tokens.length - 1 ? '>' : '*') : t));
  return mapped.join('.');
}

/** The NATS subject an event of `definition` is stored under (placeholders kept). */
export function eventStoreSubject(definition: EventDefinition): string {
  return `${definition.store === 'audit' ? EventStreams.auditSubjectPrefix : EventStreams.subjectPrefix}${definition.subject}`;
}

/** The catalogue as Markdown; docs/events.md holds it between markers and a test checks the two match. */
export function eventCatalogueMarkdown(catalogue: readonly EventDefinition[] = EVENT_CATALOGUE): string {
  const owners = [...new Set(catalogue.map((d) => d.owner))];
  const out: string[] = [];
  out.push('| Event type | Version | Owner | Subject | What happened |', '| --- | --- | --- | --- | --- |');
  for (const d of catalogue) {
    out.push(`| [\`${d.type}\`](#${anchor(d.type)}) | ${d.version} | ${d.owner} | \`${eventStoreSubject(d)}\` | ${d.description} |`);
  }
  for (const owner of owners) {
    out.push('', `## ${owner}`);
    for (const d of catalogue.filter((e) => e.owner === owner)) {
      out.push('', `### ${d.type}`, '', d.description, '');
      out.push(
        `Version ${d.version}, appended by ${d.owner} under \`${eventStoreSubject(d)}\`${d.store === 'audit' ? ` (the audit stream ${EventStreams.audit}, kept as long as the audit log)` : ''}.`,
        '',
      );
      out.push('| Field | Type and meaning |', '| --- | --- |');
      for (const [field, meaning] of Object.entries(d.fields)) out.push(`| \`${field}\` | ${meaning.replace(/\|/g, '\\|')} |`);
      out.push('', '```json', JSON.stringify(d.example, null, 2), '```');
    }
  }
  return out.join('\n');
}

function anchor(type: string): string {
  return type.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

/**
 * One subject filter holding every event of `types` (catalogue types): equal filters stay, different ones widen to
 * their shared leading tokens (`monitor.alarm.>` and `monitor.rule.>` give `monitor.>`). Unknown types throw.
 */
export function eventTypesFilter(types: readonly string[], catalogue: readonly EventDefinition[] = EVENT_CATALOGUE): string {
  const filters = types.map((t) => eventSubjectFilter(eventDefinitionOf(t, catalogue)));
  if (filters.length === 0 || filters.every((f) => f === filters[0])) return filters[0] ?? '>';
  const split = filters.map((f) => f.split('.'));
  const shared: string[] = [];
  for (let i = 0; split.every((t) => i < t.length - 1 && t[i] === split[0]![i]); i++) shared.push(split[0]![i]!);
  return [...shared, '>'].join('.');
}
