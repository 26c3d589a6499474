import type { DataSource, Repository } from 'typeorm';
import protobuf from 'protobufjs';
import { ValidationError } from '@msec/contracts';
import { isDuplicateKeyError } from '@msec/persistence';
import { idlInvalid, notFound, tagTaken } from '../deploy.errors.js';
import { IdlVersionRecord } from './artifacts.entities.js';
import { diffText, lineDiff } from './line-diff.js';
import { optionalString, requireService, requireTag } from './validate.js';

/** An IDL version as listed. */
export interface IdlVersionView {
  service: string;
  tag: string;
  memo: string;
  files: string[];
  messages: string[];
  createdAt: number;
}

/** Compiles every file with protobufjs into one root and resolves all types; returns the message/service names. */
export function compileIdl(files: Record<string, string>): string[] {
  const root = new protobuf.Root();
  for (const [file, source] of Object.entries(files)) {
    try {
      const parsed = protobuf.parse(source, root, { keepCase: true });
      for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
        if (!(imported in files) && !imported.startsWith('google/protobuf/'))
          throw new Error(`imports ${imported}, which is not in this upload`);
      }
    } catch (error) {
      throw idlInvalid(file, error instanceof Error ? error.message : String(error));
    }
  }
  try {
    root.resolveAll();
  } catch (error) {
    throw idlInvalid(Object.keys(files).join(', '), error instanceof Error ? error.message : String(error));
  }
  const names: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type || nested instanceof protobuf.Service) names.push(nested.fullName.replace(/^\./, ''));
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(root);
  return names.sort();
}

/** IDL versions per service: accepted only when they compile; diffable file by file. */
export class IdlDomain {
  private readonly repo: Repository<IdlVersionRecord>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(IdlVersionRecord);
  }

  /** Compiles and stores a new version. */
  async add(body: Record<string, unknown> | null): Promise<IdlVersionView> {
    const service = requireService(body);
    const tag = requireTag(body);
    const files = body?.files;
    if (typeof files !== 'object' || files === null || Array.isArray(files) || Object.keys(files).length === 0) {
      throw new ValidationError('files', 'must be an object {"name.proto": "source", ...} with at least one file');
    }
    for (const [name, source] of Object.entries(files)) {
      if (!/^[A-Za-z0-9_./-]+\.proto$/.test(name) || name.includes('..'))
        throw new ValidationError(`files.${name}`, 'file names end in .proto and stay relative');
      if (typeof source !== 'string') throw new ValidationError(`files.${name}`, 'must be the file text');
    }
    const messages = compileIdl(files as Record<string, string>);
    if (await this.repo.existsBy({ service, tag })) throw tagTaken(service, tag, 'IDL');
    const record = { service, tag, memo: optionalString(body, 'memo'), filesJson: JSON.stringify(files), createdAt: Date.now() };
    try {
      await this.repo.insert(record);
    } catch (error) {
      // a concurrent request stored the same tag between the check above and this insert
      if (isDuplicateKeyError(error)) throw tagTaken(service, tag, 'IDL');
      throw error;
    }
    return { service, tag, memo: record.memo, files: Object.keys(files).sort(), messages, createdAt: record.createdAt };
  }

  /** Versions of a service, newest first. */
  async list(body: Record<string, unknown> | null): Promise<IdlVersionView[]> {
    const service = requireService(body);
    const rows = await this.repo.find({ where: { service }, order: { createdAt: 'DESC' } });
    return rows.map((r) => {
      const files = JSON.parse(r.filesJson) as Record<string, string>;
      return {
        service,
        tag: r.tag,
        memo: r.memo,
        files: Object.keys(files).sort(),
        messages: compileIdl(files),
        createdAt: Number(r.createdAt),
      };
    });
  }

  /** Files of one version. */
  async files(service: string, tag: string): Promise<Record<string, string>> {
    const row = await this.repo.findOneBy({ service, tag });
    if (!row) throw notFound('IDL version', `${service}@${tag}`);
    return JSON.parse(row.filesJson) as Record<string, string>;
  }

  /** Per-file diff between two versions. */
  async diff(body: Record<string, unknown> | null): Promise<{ file: string; change: 'added' | 'removed' | 'changed'; diff: string }[]> {
    const service = requireService(body);
    const from = await this.files(service, requireTag(body, 'from'));
    const to = await this.files(service, requireTag(body, 'to'));
    const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return names
      .filter((n) => from[n] !== to[n])
      .map((n) => ({
        file: n,
        change: from[n] === undefined ? ('added' as const) : to[n] === undefined ? ('removed' as const) : ('changed' as const),
        diff: diffText(lineDiff(from[n] ?? '', to[n] ?? '')),
      }));
  }
}
