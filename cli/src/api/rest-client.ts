import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { MsecError } from '@msec/contracts';
import { apiUnreachable, badReply } from './api.errors.js';

/** What a failed call carries: the gateway's `{error:{code,message,field?}}` becomes an MsecError with the same code and status. */
interface ErrorBody {
  error?: { code?: string; message?: string; field?: string; requestId?: string };
}

/** How the client authenticates: an API token, or a browser-style session (login only). */
export type RestAuth = { token: string } | { cookies: Map<string, string>; csrf?: string } | undefined;

/** A small client of the gateway's REST API (`/api/v1`), as the CLI uses it. */
export class RestClient {
  constructor(
    readonly baseUrl: string,
    private auth: RestAuth = undefined,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Switches to an API token (after login created one). */
  useToken(token: string): void {
    this.auth = { token };
  }

  /** Keeps cookies from now on (for the login conversation). */
  useSession(): void {
    this.auth = { cookies: new Map() };
  }

  /** Sets the CSRF token a session needs on mutations. */
  setCsrf(csrf: string): void {
    if (this.auth && 'cookies' in this.auth) this.auth.csrf = csrf;
  }

  /** One call; resolves to the parsed JSON body (undefined for 204) or rejects with an MsecError. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, path, body === undefined ? undefined : { data: JSON.stringify(body), contentType: 'application/json' });
  }

  /** POSTs a file as application/octet-stream, streamed from disk (packages can be tens of MiB). */
  async upload<T>(path: string, file: string, timeoutMs = 10 * 60_000): Promise<T> {
    const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
    return this.send<T>('POST', path, { data: stream, contentType: 'application/octet-stream', length: statSync(file).size }, timeoutMs);
  }

  private async send<T>(
    method: string,
    path: string,
    body: { data: string | ReadableStream<Uint8Array>; contentType: string; length?: number } | undefined,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    const url = new URL(path, this.baseUrl).toString();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = body.contentType;
    if (body?.length !== undefined) headers['content-length'] = String(body.length);
    if (this.auth && 'token' in this.auth) headers.authorization = `Bearer ${this.auth.token}`;
    if (this.auth && 'cookies' in this.auth) {
      if (this.auth.cookies.size > 0) headers.cookie = [...this.auth.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (this.auth.csrf && method !== 'GET') headers['x-csrf-token'] = this.auth.csrf;
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: body?.data,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
        // a stream body must be declared half-duplex
        ...(typeof body?.data === 'object' ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      throw apiUnreachable(this.baseUrl, error);
    }
    if (this.auth && 'cookies' in this.auth) this.keepCookies(res, this.auth.cookies);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw badReply(url, res.status, text);
    }
    if (res.ok) return parsed as T;
    const e = (parsed as ErrorBody | undefined)?.error;
    if (!e?.code) throw badReply(url, res.status, text);
    const hint = res.status === 401 && !path.endsWith('/auth/login') ? ' (run ./msec login)' : '';
    throw new MsecError(e.code, `${e.message ?? res.statusText}${hint}`, {
      status: res.status,
      retryable: res.status === 503 || res.status === 504,
      data: { ...(e.field ? { field: e.field } : {}), ...(e.requestId ? { requestId: e.requestId } : {}) },
    });
  }

  private keepCookies(res: Response, jar: Map<string, string>): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}
