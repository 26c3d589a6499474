import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Who made a request, as the auth guard resolved it. */
export interface Principal {
  userId: string;
  username: string;
  role: string;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  /** Set for API tokens: a read-only one acts as viewer and may change nothing. */
  tokenScope?: 'read-write' | 'read-only';
  mustChangePassword: boolean;
}

/** The Express request as the gateway decorates it. */
export interface GatewayRequest extends Request {
  id: string;
  principal?: Principal;
  /** Set by login so the audit log names who tried. */
  auditActor?: string;
  /** Set by a handler to add what the call did to its audit entry (e.g. how many tokens it revoked). */
  auditDetail?: string;
  cookies: Record<string, string>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Gives every request an id (the caller's X-Request-Id when well-formed), echoes it, parses cookies and sets safe headers. */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const r = req as GatewayRequest;
  ensureRequestId(r, res);
  r.cookies = parseCookies(req.header('cookie'));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  if (req.path.startsWith('/api/v1/')) res.setHeader('Cache-Control', 'no-store');
  next();
}

/** The request's id, assigned and echoed in X-Request-Id on first use (errors raised before the middleware ran need it too). */
export function ensureRequestId(req: Request & { id?: string }, res: Response): string {
  if (!req.id) {
    const incoming = req.header('x-request-id');
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  }
  if (!res.headersSent) res.setHeader('X-Request-Id', req.id);
  return req.id;
}

/** Parses a Cookie header; malformed pairs are skipped. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // skip a cookie we cannot decode
    }
  }
  return out;
}
