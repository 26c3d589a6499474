import { Inject, Injectable } from '@nestjs/common';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION } from '@msec/platform';

/** The object store bucket package uploads are staged in (named by deploy when it hands out a slot), opened once. */
@Injectable()
export class UploadBucket {
  private opened: Promise<ObjectStore> | null = null;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** The bucket, opened on first use; a failed open is tried again by the next call. */
  open(bucket: string): Promise<ObjectStore> {
    this.opened ??= new Objm(this.nc).open(bucket).catch((error: unknown) => {
      this.opened = null;
      throw error;
    });
    return this.opened;
  }
}
