import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../auth/auth.entities.js';

/** An event webhook: where chosen event types are POSTed, signed with its secret. */
@Entity('gateway_webhooks')
export class WebhookEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 500 }) url!: string;
  /** Event types as a JSON array. */
  @Column({ name: 'event_types', type: 'varchar', length: 2000 }) eventTypes!: string;
  /** The HMAC key; needed to sign every delivery, so it is kept (the REST API shows it only on creation). */
  @Column({ type: 'varchar', length: 80 }) secret!: string;
  @Column({ name: 'max_attempts', type: 'int' }) maxAttempts!: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs }) createdAt!: number;
  @Column({ name: 'created_by', type: 'varchar', length: 64 }) createdBy!: string;
}

/** One event's delivery to one webhook: the delivery log, and what makes a redelivered event a no-op. */
@Entity('gateway_webhook_deliveries')
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'webhook_id', type: 'varchar', length: 36 }) webhookId!: string;
  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 200 }) eventId!: string;
  @Column({ name: 'event_type', type: 'varchar', length: 200 }) eventType!: string;
  @Column({ type: 'varchar', length: 16 }) status!: string;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ name: 'last_status', type: 'int', nullable: true }) lastStatus!: number | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError!: string | null;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs }) createdAt!: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs }) updatedAt!: number;
}

/**
 * Where a webhook sends and the key it signs with, kept apart from its events: a URL may carry a credential (many
 * receivers put one in the path), and the events reach the automation feed.
 */
@Entity('gateway_webhook_targets')
export class WebhookTargetEntity {
  @PrimaryColumn({ name: 'webhook_id', type: 'varchar', length: 36 }) webhookId!: string;
  @Column({ type: 'varchar', length: 500 }) url!: string;
  @Column({ type: 'varchar', length: 80 }) secret!: string;
}
