import { Controller, Delete, Get, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { decodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import type { GatewayRequest } from '../http/request-context.js';
import { s, type Infer } from '../http/schema.js';
import { Access, Role } from './access.js';
import {
  DEFAULT_TOKEN_DAYS,
  MAX_TOKEN_DAYS,
  TOKEN_SCOPES,
  TokensDomain,
  type ApiTokenView,
  type CreatedApiToken,
} from './tokens.domain.js';

const createBody = s.object({
  name: s.string({ min: 1, max: 100 }).describe('what the token is for, e.g. "ci" or "laptop cli"'),
  expiresInDays: s
    .int({ min: 1, max: MAX_TOKEN_DAYS })
    .nullable()
    .optional()
    .describe(`lifetime in days (1..${MAX_TOKEN_DAYS}); omitted: ${DEFAULT_TOKEN_DAYS}; null: never expires`),
  scope: s
    .oneOf(TOKEN_SCOPES)
    .optional()
    .describe('read-write (default): acts with your role; read-only: acts as viewer and every change answers 403 GATEWAY_TOKEN_READ_ONLY'),
});
const listQuery = s.object(pageQueryShape);
const tokenId = s.string({ pattern: /^[0-9a-f-]{36}$/, hint: 'must be a token id as listed by GET /api/v1/tokens' });

/** Your API tokens for CLI and automation: they act with your role (read-write) or as a viewer (read-only). */
@ApiTags('tokens')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(@Inject(TokensDomain) private readonly tokens: TokensDomain) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'List your API tokens (never their secrets), newest first' })
  list(@QueryParams(listQuery) query: Infer<typeof listQuery>, @Req() req: GatewayRequest): Promise<Page<ApiTokenView>> {
    const after = decodeCursor(query.cursor);
    return this.tokens.list(req.principal!.userId, query.limit ?? PAGE_SIZE.default, after === undefined ? undefined : String(after));
  }

  @Post()
  @Access(Role.viewer, { selfService: true })
  @ApiOperation({ summary: 'Create an API token (expires in 90 days unless asked otherwise); the secret is in the reply only this once' })
  create(@JsonBody(createBody) body: Infer<typeof createBody>, @Req() req: GatewayRequest): Promise<CreatedApiToken> {
    return this.tokens.create(req.principal!.userId, body);
  }

  @Delete(':id')
  @Access(Role.viewer, { selfService: true, readOnlyToken: true })
  @ApiOperation({ summary: "Revoke one of your API tokens (admins: anyone's; a read-only token: only itself); it stops working at once" })
  revoke(@PathParam('id', tokenId) id: string, @Req() req: GatewayRequest): Promise<ApiTokenView> {
    return this.tokens.revoke(id, req.principal!);
  }
}
