/** NATS subjects the gateway uses that are not (yet) in @msec/contracts. */
export const GatewaySubjects = {
  /** Every domain event any service publishes; the console's live stream bridges it. */
  allEvents: 'msec.events.>',
} as const;
