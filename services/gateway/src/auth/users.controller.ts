import { Controller, Delete, Get, HttpCode, Inject, Patch, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { decodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import type { GatewayRequest } from '../http/request-context.js';
import { s, type Infer } from '../http/schema.js';
import { Access, ROLES, Role } from './access.js';
import { GatewayRebuild, type GatewayRebuildResult } from '../rebuild/gateway-rebuild.js';
import { describeRevoked } from './credential-revocation.js';
import { MIN_PASSWORD_LENGTH, UsersDomain, type UserChange, type UserView } from './users.domain.js';

const username = s.string({
  min: 2,
  max: 64,
  pattern: /^[a-z][a-z0-9._-]*$/,
  hint: 'lower-case letters, digits, ".", "_" or "-", starting with a letter',
});
const password = s.string({ min: MIN_PASSWORD_LENGTH, max: 200 });
const createBody = s.object({
  username,
  password: password.describe('one-time: the user must change it at first login'),
  role: s.oneOf(ROLES),
});
const updateBody = s.object({
  role: s.oneOf(ROLES).optional(),
  password: password.optional().describe('reset: the user must change it at next login'),
});
const listQuery = s.object(pageQueryShape);

/** User administration (admin only). */
@ApiTags('users')
@Controller('api/v1/users')
export class UsersController {
  constructor(@Inject(UsersDomain) private readonly users: UsersDomain) {}

  @Get()
  @Access(Role.admin)
  @ApiOperation({ summary: 'List users by name' })
  list(@QueryParams(listQuery) query: Infer<typeof listQuery>): Promise<Page<UserView>> {
    const after = decodeCursor(query.cursor);
    return this.users.list(query.limit ?? PAGE_SIZE.default, after === undefined ? undefined : String(after));
  }

  @Post()
  @Access(Role.admin)
  @ApiOperation({ summary: 'Create a user with a one-time password' })
  create(@JsonBody(createBody) body: Infer<typeof createBody>): Promise<UserView> {
    return this.users.create(body.username, body.password, body.role);
  }

  @Patch(':username')
  @Access(Role.admin)
  @ApiOperation({
    summary: "Change a user's role or reset their password; either ends all their sessions and revokes all their API tokens",
  })
  async update(
    @PathParam('username', username) name: string,
    @JsonBody(updateBody) body: Infer<typeof updateBody>,
    @Req() req: GatewayRequest,
  ): Promise<UserChange> {
    const changed = await this.users.update(name, body, req.principal!.userId);
    req.auditDetail = describeRevoked(changed.revoked);
    return changed;
  }

  @Delete(':username')
  @HttpCode(204)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Delete a user with their sessions and tokens (never yourself or the last admin)' })
  async remove(@PathParam('username', username) name: string, @Req() req: GatewayRequest): Promise<void> {
    req.auditDetail = describeRevoked(await this.users.remove(name, req.principal!.userId));
  }
}

/** Admin-only maintenance of the gateway's own read model. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class GatewayAdminController {
  constructor(@Inject(GatewayRebuild) private readonly gateway: GatewayRebuild) {}

  @Post('gateway')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: "Rebuild the gateway's users, API tokens, webhooks and audit log from their events" })
  rebuild(): Promise<GatewayRebuildResult> {
    return this.gateway.rebuild();
  }
}
