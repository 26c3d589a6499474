import { Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BusApiSubjects,
  MsecError,
  type BusCancelReply,
  type BusConsumerView,
  type BusDeadLetterView,
  type BusPublishReply,
  type BusStreamView,
  type BusTraceView,
} from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { decodeCursor, PAGE_SIZE, pageOf, type Page } from '../http/pagination.js';
import type { Infer } from '../http/schema.js';
import { consumersQuery, deadLettersQuery, discardQuery, groupQuery, msgIdParam, publishBody, redriveBody } from './messages.schemas.js';

/** Reading dead letters and traces scans streams: a longer deadline than plain reads. */
const SCAN_DEADLINE_MS = 10_000;
/** The bus API keeps at most this many dead letters per list request. */
const DEAD_LETTER_SCAN = 1_000;

/** A list answered in one piece (streams, consumers, dead letters of one id). */
export interface Items<T> {
  items: T[];
}

/**
 * Messages (REST face of the bus API the deploy service hosts, `msec.bus.*`): viewers read streams,
 * consumers, dead letters and traces; developers publish; admins re-drive and discard dead letters.
 */
@ApiTags('messages')
@Controller('api/v1/messages')
export class MessagesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post()
  @HttpCode(201)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Publish a message (now, after delayMs or at deliverAt); answers once JetStream stored it' })
  publish(@JsonBody(publishBody) body: Infer<typeof publishBody>): Promise<BusPublishReply> {
    return this.forward(BusApiSubjects.publish, body, {});
  }

  @Get('streams')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'JetStream streams with message counts' })
  async streams(): Promise<Items<BusStreamView>> {
    return { items: await this.forward<BusStreamView[]>(BusApiSubjects.streams, {}, {}) };
  }

  @Get('consumers')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Consumers of a stream (default MSEC_MQ) with their lag (pending) and unacknowledged counts' })
  async consumers(@QueryParams(consumersQuery) query: Infer<typeof consumersQuery>): Promise<Items<BusConsumerView>> {
    return { items: await this.forward<BusConsumerView[]>(BusApiSubjects.consumers, query, { stream: 'query.stream' }) };
  }

  @Get('dead-letters')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Dead letters, oldest first, optionally of one group and/or subject (paginated)' })
  async deadLetters(@QueryParams(deadLettersQuery) query: Infer<typeof deadLettersQuery>): Promise<Page<BusDeadLetterView>> {
    const after = decodeCursor(query.cursor);
    const limit = query.limit ?? PAGE_SIZE.default;
    const filter = {
      limit: DEAD_LETTER_SCAN,
      ...(query.group ? { group: query.group } : {}),
      ...(query.subject ? { subject: query.subject } : {}),
    };
    const all = await this.forward<BusDeadLetterView[]>(
      BusApiSubjects.deadLettersList,
      filter,
      { group: 'query.group', subject: 'query.subject' },
      SCAN_DEADLINE_MS,
    );
    const rows = all.filter((d) => after === undefined || d.seq > Number(after));
    return pageOf(
      rows.slice(0, limit + 1),
      limit,
      (d) => d.seq,
      (d) => d,
    );
  }

  @Get('dead-letters/:msgId')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'The dead letters of one message id (one per group it failed in): content, headers, attempts, reason' })
  async inspect(
    @PathParam('msgId', msgIdParam) msgId: string,
    @QueryParams(groupQuery) query: Infer<typeof groupQuery>,
  ): Promise<Items<BusDeadLetterView>> {
    const items = await this.forward<BusDeadLetterView[]>(
      BusApiSubjects.deadLettersInspect,
      { msgId, ...query },
      { msgId: 'path.msgId', group: 'query.group' },
      SCAN_DEADLINE_MS,
    );
    return { items };
  }

  @Post('dead-letters/:msgId/redrive')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({ summary: 'Re-drive a dead letter to the group(s) that failed it, with fresh attempts' })
  redrive(
    @PathParam('msgId', msgIdParam) msgId: string,
    @JsonBody(redriveBody) body: Infer<typeof redriveBody>,
  ): Promise<{ redriven: BusDeadLetterView[] }> {
    return this.forward(
      BusApiSubjects.deadLettersRedrive,
      { msgId, ...body },
      { msgId: 'path.msgId', group: 'body.group' },
      SCAN_DEADLINE_MS,
    );
  }

  @Delete('dead-letters/:msgId')
  @Access(Role.admin)
  @ApiOperation({ summary: "Delete a group's dead letter for good" })
  discard(
    @PathParam('msgId', msgIdParam) msgId: string,
    @QueryParams(discardQuery) query: Infer<typeof discardQuery>,
  ): Promise<{ discarded: number }> {
    return this.forward(
      BusApiSubjects.deadLettersDiscard,
      { msgId, ...query },
      { msgId: 'path.msgId', group: 'query.group' },
      SCAN_DEADLINE_MS,
    );
  }

  @Delete('scheduled/:msgId')
  @Access(Role.developer)
  @ApiOperation({
    summary:
      'Cancel a delayed or scheduled message before it is due: it is never delivered (409 BUS_ALREADY_DELIVERED when it already was)',
  })
  cancelScheduled(@PathParam('msgId', msgIdParam) msgId: string): Promise<BusCancelReply> {
    return this.forward(BusApiSubjects.scheduledCancel, { msgId }, { msgId: 'path.msgId' }, SCAN_DEADLINE_MS);
  }

  @Get('trace/:msgId')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Trace of a message id: content, producer, publish time, each delivery attempt and outcome, dead-letter state' })
  trace(@PathParam('msgId', msgIdParam) msgId: string): Promise<BusTraceView> {
    return this.forward(BusApiSubjects.trace, { msgId }, { msgId: 'path.msgId' }, SCAN_DEADLINE_MS);
  }

  /** Forwards to the bus API; a field named in an error is renamed to where the REST caller put it. */
  private async forward<T>(subject: string, data: unknown, elsewhere: Record<string, string>, deadlineMs?: number): Promise<T> {
    try {
      return await this.nats.request<T>(subject, data, deadlineMs);
    } catch (error) {
      const field = error instanceof MsecError ? error.data?.field : undefined;
      if (!(error instanceof MsecError) || typeof field !== 'string') throw error;
      throw new MsecError(error.code, error.message, {
        status: error.status,
        retryable: error.retryable,
        data: { ...error.data, field: elsewhere[field] ?? `body.${field}` },
        cause: error,
      });
    }
  }
}
