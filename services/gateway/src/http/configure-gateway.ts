import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { AuditDomain } from '../audit/audit.domain.js';
import { auditMiddleware } from '../audit/audit.middleware.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../auth/auth.guard.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { answerClientErrorsAsJson } from './client-errors.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { requestContext } from './request-context.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

/** Where the OpenAPI UI and document are served. */
export const API_DOCS = { ui: 'api/docs', json: 'api/docs/openapi.json' } as const;

/** services/gateway/web/dist, found from this file's place in dist/src/http. */
export function defaultWebDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
}

/** Builds the OpenAPI document from the controllers' decorators. */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('MSEC-TS REST API')
    .setDescription(
      'Every console function. Log in with POST /api/v1/auth/login (session cookie + X-CSRF-Token header on mutations) or send `Authorization: Bearer <API token>`. ' +
        'Errors: `{error:{code,message,field?}}`. Lists: `?limit=&cursor=` → `{items, nextCursor}`.',
    )
    .setVersion('1')
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'session')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API token (msec_…) from POST /api/v1/tokens' }, 'token')
    .addGlobalParameters({
      name: CSRF_HEADER,
      in: 'header',
      required: false,
      description: 'CSRF token from login; required on cookie-authenticated mutations',
      schema: { type: 'string' },
    })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** The console loads only its own scripts and styles, talks only to this origin, and cannot be framed. */
const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Serves the built console with SPA fallback: any GET outside /api that is not a file gets index.html. */
function serveConsole(app: NestExpressApplication, webDir: string): void {
  const index = join(webDir, 'index.html');
  if (!existsSync(index)) {
    new Logger('gateway').warn(`no console build in ${webDir}; run "npm run build:web -w services/gateway"`);
    return;
  }
  app.useStaticAssets(webDir, {
    index: false,
    maxAge: '1h',
    setHeaders: (res, path) => {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      if (path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.sendFile(index);
  });
}

/** Everything HTTP the gateway adds to a Nest app: request ids, errors, validation, audit, OpenAPI, the console. */
export function configureGateway(app: INestApplication, config: GatewayConfig): void {
  const express = app as NestExpressApplication;
  // Login rate limits and the audit key on the client address: a forwarded address is believed only from a configured proxy.
  express.set('trust proxy', config.trustProxy === '' ? false : config.trustProxy.split(',').map((e) => e.trim()));
  express.disable('x-powered-by');
  express.useBodyParser('json', { limit: '1mb' });
  answerClientErrorsAsJson(express.getHttpServer());
  app.use(requestContext);
  app.use(auditMiddleware(app.get(AuditDomain)));
  // Added after the platform's NATS filter so it wins for HTTP; it defers to that filter for NATS handlers.
  app.useGlobalFilters(new HttpErrorFilter());
  app.useGlobalPipes(new SchemaValidationPipe());
  SwaggerModule.setup(API_DOCS.ui, app, () => buildOpenApi(app), {
    jsonDocumentUrl: API_DOCS.json,
    yamlDocumentUrl: 'api/docs/openapi.yaml',
    customSiteTitle: 'MSEC-TS API',
  });
  serveConsole(express, config.webDir || defaultWebDir());
}
