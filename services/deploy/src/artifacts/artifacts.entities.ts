import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One accepted IDL version of a service: every .proto file, compiled before it was stored. */
@Entity({ name: 'deploy_idl_versions' })
export class IdlVersionRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  tag!: string;

  @Column({ type: 'text' })
  memo!: string;

  @Column({ type: 'text', name: 'files_json' })
  filesJson!: string;

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;
}

/** One config file version of a service; the newest is the current one. */
@Entity({ name: 'deploy_config_versions' })
export class ConfigVersionRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  tag!: string;

  @Column({ type: 'text' })
  memo!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;
}

/**
 * One uploaded package; the tarball is object `objectName` of Object Store `bucket`. Rows from before the Object
 * Store have both null and their tarball at `<dataDir>/packages/<name>/<version>.tar.gz` until it is moved.
 */
@Entity({ name: 'deploy_packages' })
export class PackageRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  name!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  version!: string;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'integer' })
  size!: number;

  @Column({ type: 'varchar', length: 256 })
  entry!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  bucket!: string | null;

  @Column({ type: 'varchar', length: 256, name: 'object_name', nullable: true })
  objectName!: string | null;

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;
}

/** The config version published live for a service (at most one row per service): what its running instances read. */
@Entity({ name: 'deploy_live_configs' })
export class LiveConfigRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @Column({ type: 'varchar', length: 64 })
  tag!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ type: 'bigint', name: 'published_at' })
  publishedAt!: string | number;

  @Column({ type: 'varchar', length: 160, name: 'published_by' })
  publishedBy!: string;
}
