import type { Page } from '@msec/contracts';

/** The error every API call throws: the gateway's `{error:{code,message,field?}}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** One page of a list endpoint. */
export type { Page };

function cookie(name: string): string | undefined {
  return document.cookie
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1];
}

/** Calls the REST API with the session cookie; mutations echo the CSRF token; errors become ApiError. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = cookie('msec_csrf');
    if (csrf) headers['x-csrf-token'] = decodeURIComponent(csrf);
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const e = data?.error ?? {};
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText, e.field);
  }
  return data as T;
}

/** GET shorthand. */
export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
