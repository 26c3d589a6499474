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

/** One uploaded package; the tarball itself is on disk under `<dataDir>/packages/<name>/<version>.tar.gz`. */
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

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;
}
