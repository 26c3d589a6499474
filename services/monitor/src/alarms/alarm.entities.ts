import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An alarm rule on one (service, attr), judged on the service aggregate or one host. */
@Entity({ name: 'monitor_alarm_rules' })
export class AlarmRuleEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  service!: string;

  @Column({ type: 'varchar', length: 200 })
  attr!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: string;

  @Column({ type: 'double' })
  threshold!: number;

  @Column({ type: 'varchar', length: 200, nullable: true })
  host!: string | null;

  @Column({ name: 'webhook_url', type: 'varchar', length: 500, nullable: true })
  webhookUrl!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;
}

/** One alarm episode of a rule: active until the condition stops holding, then recovered. */
@Entity({ name: 'monitor_alarms' })
@Index('idx_monitor_alarms_state', ['state', 'lastAt'])
export class AlarmEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'rule_id', type: 'varchar', length: 36 })
  ruleId!: string;

  @Column({ type: 'varchar', length: 200 })
  service!: string;

  @Column({ type: 'varchar', length: 200 })
  attr!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  host!: string | null;

  @Column({ type: 'varchar', length: 16 })
  type!: string;

  @Column({ type: 'double' })
  threshold!: number;

  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ type: 'double', nullable: true })
  value!: number | null;

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @Column({ name: 'first_at', type: 'varchar', length: 32 })
  firstAt!: string;

  @Column({ name: 'last_at', type: 'varchar', length: 32 })
  lastAt!: string;

  /** Epoch minute last judged, so a minute judged twice is counted once. */
  @Column({ name: 'last_minute', type: 'int' })
  lastMinute!: number;

  @Column({ type: 'int' })
  count!: number;

  @Column({ name: 'recovered_at', type: 'varchar', length: 32, nullable: true })
  recoveredAt!: string | null;
}

/**
 * Webhook URLs of alarm rules, under the sha256 of the URL. Rule events carry only the digest (a URL may hold a
 * token and events reach automation subscribers), so this table is the monitor's own record, not a read model: a
 * rebuild keeps it and looks the URLs up again.
 */
@Entity({ name: 'monitor_webhook_urls' })
export class WebhookUrlEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  digest!: string;

  @Column({ type: 'varchar', length: 500 })
  url!: string;
}
