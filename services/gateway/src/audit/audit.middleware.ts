import type { NextFunction, Request, Response } from 'express';
import type { GatewayRequest } from '../http/request-context.js';
import type { AuditDomain } from './audit.domain.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Records every mutating call once its response is sent, whatever ended it (handler, guard, validation): who (user or
 * attempted login name), what (method and path as sent, never the body), when, the result, and the handler's detail. Every path counts, not
 * only those spelled `/api/`: the router matches case-insensitively and forgives trailing slashes, so a filter on the
 * spelling would let `/API/V1/…` change things unaudited.
 */
export function auditMiddleware(audit: AuditDomain): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    if (!MUTATING.has(req.method)) return next();
    const at = Date.now();
    res.on('finish', () => {
      const r = req as GatewayRequest;
      const p = r.principal;
      const code = typeof res.locals.errorCode === 'string' ? res.locals.errorCode : res.statusCode < 400 ? 'ok' : `HTTP_${res.statusCode}`;
      void audit.record({
        at,
        actor: (p?.username ?? r.auditActor ?? 'anonymous').slice(0, 64),
        role: p?.role ?? '-',
        via: p?.via ?? '-',
        method: req.method,
        path: req.path.slice(0, 300),
        status: res.statusCode,
        result: code.slice(0, 64),
        ip: (req.ip ?? 'unknown').slice(0, 64),
        requestId: r.id ?? '-',
        detail: r.auditDetail?.slice(0, 200) ?? null,
      });
    });
    next();
  };
}
