/** Where domain events live in JetStream, defined once (the bus creates these streams). */
export const EventStreams = {
  /** The source of truth of the console: every domain event, kept until removed. Console services only. */
  events: 'MSEC_EVENTS',
  /**
   * A copy of MSEC_EVENTS for automation subscribers and webhooks, kept a week and relayed by the gateway: business
   * identities may read it (never the console's own stream, whose consumers they could otherwise drain or acknowledge).
   */
  feed: 'MSEC_EVENTS_FEED',
  /** Every event subject in the event store starts with this; the catalogue's subjects follow it. */
  subjectPrefix: 'msec.evt.',
  /** Every event subject in the event store. */
  allSubjects: 'msec.evt.>',
  /** The same event in the feed: `msec.feed.` followed by the catalogue's subject. */
  feedSubjectPrefix: 'msec.feed.',
  /** Every feed subject. */
  feedAllSubjects: 'msec.feed.>',
  /**
   * The gateway's audit trail: events like the others, but one per mutating call, so kept in their own stream,
   * bounded by the gateway's audit retention (age and count) instead of forever. Relayed to the feed like the rest.
   */
  audit: 'MSEC_AUDIT',
  /** Every subject in the audit stream starts with this; the catalogue's subjects follow it. */
  auditSubjectPrefix: 'msec.audit.',
  /** Every audit subject. */
  auditAllSubjects: 'msec.audit.>',
  /** Prefix of the durable consumers automation subscribers create on the feed. */
  automationConsumerPrefix: 'auto_',
} as const;
