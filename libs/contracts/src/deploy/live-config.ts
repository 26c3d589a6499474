/**
 * Live configuration: the config version a service's running instances read through the SDK (`config.get`,
 * `config.watch`). The deploy service writes it to a KV bucket, one key per service; each service may read only its
 * own key.
 */
export const LIVE_CONFIG_BUCKET = 'msec_config';

/** The key of a service's live config in LIVE_CONFIG_BUCKET: the service name itself (`First.Second`). */
export function liveConfigKey(service: string): string {
  return service;
}

/** What the bucket holds for a service: the published config version. */
export interface LiveConfigValue {
  service: string;
  /** The version's tag and its sequence number among the service's versions. */
  tag: string;
  seq: number;
  /** The config file. */
  content: string;
  /** When it was published (milliseconds since the epoch) and by whom. */
  publishedAt: number;
  publishedBy: string;
}

/** Reads a bucket value; undefined when it is not a LiveConfigValue (a hand-written or damaged entry). */
export function parseLiveConfigValue(text: string): LiveConfigValue | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.service !== 'string' || typeof v.tag !== 'string' || typeof v.content !== 'string') return undefined;
  if (typeof v.seq !== 'number' || typeof v.publishedAt !== 'number') return undefined;
  return {
    service: v.service,
    tag: v.tag,
    seq: v.seq,
    content: v.content,
    publishedAt: v.publishedAt,
    publishedBy: typeof v.publishedBy === 'string' ? v.publishedBy : '',
  };
}
