import { eventCatalogueMarkdown } from './event-catalogue.js';

/** Markers around the generated part of docs/events.md. */
export const EVENTS_DOC_MARKERS = {
  begin: '<!-- event-catalogue:begin -->\n<!-- prettier-ignore-start -->',
  end: '<!-- prettier-ignore-end -->\n<!-- event-catalogue:end -->',
} as const;

/** The generated part of docs/events.md as it should stand, or undefined when `doc` lacks the markers. */
export function generatedPartOf(doc: string): string | undefined {
  const begin = doc.indexOf(EVENTS_DOC_MARKERS.begin);
  const end = doc.indexOf(EVENTS_DOC_MARKERS.end);
  if (begin < 0 || end < begin) return undefined;
  return doc.slice(begin + EVENTS_DOC_MARKERS.begin.length, end).trim();
}

/** `doc` with the part between the markers replaced by the catalogue generated now. */
export function withGeneratedCatalogue(doc: string): string {
  const begin = doc.indexOf(EVENTS_DOC_MARKERS.begin);
  const end = doc.indexOf(EVENTS_DOC_MARKERS.end);
  if (begin < 0 || end < begin) throw new Error(`docs/events.md lacks the ${EVENTS_DOC_MARKERS.begin} … ${EVENTS_DOC_MARKERS.end} markers`);
  return `${doc.slice(0, begin + EVENTS_DOC_MARKERS.begin.length)}\n${eventCatalogueMarkdown()}\n${doc.slice(end)}`;
}
