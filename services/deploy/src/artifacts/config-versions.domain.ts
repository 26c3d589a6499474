import type { DataSource, Repository } from 'typeorm';
import { isDuplicateKeyError } from '@msec/persistence';
import { notFound, tagTaken } from '../deploy.errors.js';
import { ConfigVersionRecord } from './artifacts.entities.js';
import { diffText, lineDiff } from './line-diff.js';
import { optionalString, requireService, requireString, requireTag } from './validate.js';

/** A config version as listed. */
export interface ConfigVersionView {
  service: string;
  tag: string;
  memo: string;
  seq: number;
  current: boolean;
  bytes: number;
  createdAt: number;
}

/** Config file versions per service; the newest is current, and a rollback appends a copy of an older one. */
export class ConfigVersionsDomain {
  private readonly repo: Repository<ConfigVersionRecord>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ConfigVersionRecord);
  }

  /** Stores a new version. */
  async add(body: Record<string, unknown> | null): Promise<ConfigVersionView> {
    const service = requireService(body);
    const tag = requireTag(body);
    if (typeof body?.content !== 'string') requireString(body, 'content');
    return this.append(service, tag, optionalString(body, 'memo'), body!.content as string);
  }

  /** Versions of a service, newest first. */
  async list(body: Record<string, unknown> | null): Promise<ConfigVersionView[]> {
    const service = requireService(body);
    const rows = await this.repo.find({ where: { service }, order: { seq: 'DESC' } });
    return rows.map((r, i) => view(r, i === 0));
  }

  /** Content of one version. */
  async content(service: string, tag: string): Promise<string> {
    const row = await this.repo.findOneBy({ service, tag });
    if (!row) throw notFound('config version', `${service}@${tag}`);
    return row.content;
  }

  /** Line diff between two versions. */
  async diff(body: Record<string, unknown> | null): Promise<{ diff: string }> {
    const service = requireService(body);
    const before = await this.content(service, requireTag(body, 'from'));
    const after = await this.content(service, requireTag(body, 'to'));
    return { diff: diffText(lineDiff(before, after)) };
  }

  /** Makes an older version current again by appending a copy of it under a new tag. */
  async rollback(body: Record<string, unknown> | null): Promise<ConfigVersionView> {
    const service = requireService(body);
    const target = requireTag(body, 'to');
    const content = await this.content(service, target);
    const count = await this.repo.countBy({ service });
    const tag = body?.tag === undefined ? `${target}-rollback-${count + 1}`.slice(0, 64) : requireTag(body);
    return this.append(service, tag, `rollback to ${target}`, content);
  }

  private async append(service: string, tag: string, memo: string, content: string): Promise<ConfigVersionView> {
    if (await this.repo.existsBy({ service, tag })) throw tagTaken(service, tag, 'config');
    const last = await this.repo.findOne({ where: { service }, order: { seq: 'DESC' } });
    const record: ConfigVersionRecord = { service, tag, memo, content, seq: (last?.seq ?? 0) + 1, createdAt: Date.now() };
    try {
      await this.repo.insert(record);
    } catch (error) {
      // a concurrent request stored the same tag between the check above and this insert
      if (isDuplicateKeyError(error)) throw tagTaken(service, tag, 'config');
      throw error;
    }
    return view(record, true);
  }
}

function view(r: ConfigVersionRecord, current: boolean): ConfigVersionView {
  return {
    service: r.service,
    tag: r.tag,
    memo: r.memo,
    seq: r.seq,
    current,
    bytes: Buffer.byteLength(r.content),
    createdAt: Number(r.createdAt),
  };
}
