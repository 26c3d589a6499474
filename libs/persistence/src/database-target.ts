import { badDatabaseUrl } from './persistence.errors.js';

/** Where a service keeps its tables: an embedded SQLite file (the default) or a MySQL/MariaDB server. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'mysql'; url: string };

/** Parses `mysql://…` or `sqlite:/path`; `setting` names the config key in errors. */
export function parseDatabaseUrl(value: string, setting = 'MSEC_DB_URL'): DatabaseTarget {
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file.length === 0) throw badDatabaseUrl(setting, value, 'the sqlite URL has no file path');
    return { kind: 'sqlite', file };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badDatabaseUrl(setting, value, 'not a URL');
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:')
    throw badDatabaseUrl(setting, value, `unsupported scheme "${url.protocol}"`);
  if (url.hostname === '') throw badDatabaseUrl(setting, value, 'the host is missing');
  if (url.pathname.length <= 1) throw badDatabaseUrl(setting, value, 'the database name is missing');
  return { kind: 'mysql', url: value.replace(/^mariadb:/, 'mysql:') };
}

/** A short description with no password, for logs and health reports. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `sqlite:${target.file}`;
  const url = new URL(target.url);
  return `mysql://${url.host}${url.pathname}`;
}
