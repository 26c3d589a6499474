import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Role } from '../auth/access.js';
import { QueryParams } from '../http/api-params.js';
import { decodeCursor, PAGE_SIZE, pageQueryShape, type Page } from '../http/pagination.js';
import { s, type Infer } from '../http/schema.js';
import { AuditDomain, type AuditEntry } from './audit.domain.js';
import { badCursor } from '../gateway.errors.js';

const listQuery = s.object({ ...pageQueryShape, actor: s.string({ min: 1, max: 64 }).optional().describe('only calls by this user') });

/** The audit log of every mutating call (admin only). */
@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(AuditDomain) private readonly audit: AuditDomain) {}

  @Get()
  @Access(Role.admin)
  @ApiOperation({ summary: 'Audit entries, newest first' })
  list(@QueryParams(listQuery) query: Infer<typeof listQuery>): Promise<Page<AuditEntry>> {
    const before = decodeCursor(query.cursor);
    if (before !== undefined && typeof before !== 'number') throw badCursor();
    return this.audit.list(query.limit ?? PAGE_SIZE.default, before, query.actor);
  }
}
