import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { Subject, type Observable } from 'rxjs';
import { NATS_CONNECTION } from '@msec/platform';
import type { LiveEvent } from '@msec/contracts';
import { GatewaySubjects } from '../gateway.subjects.js';

/** One event as the console receives it. */
export type { LiveEvent };

/** One NATS subscription to `msec.events.>` shared by every SSE client. */
@Injectable()
export class EventsBridge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('events');
  private readonly subject = new Subject<LiveEvent>();
  private subscription: Subscription | undefined;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** The live stream of events. */
  get events$(): Observable<LiveEvent> {
    return this.subject.asObservable();
  }

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(GatewaySubjects.allEvents, {
      callback: (err, msg) => {
        if (err) {
          this.logger.warn(`subscription ended: ${err.message}`);
          return;
        }
        let data: unknown;
        try {
          data = msg.json();
        } catch {
          data = msg.string();
        }
        this.subject.next({ subject: msg.subject, at: new Date().toISOString(), data });
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
    this.subject.complete();
  }
}
