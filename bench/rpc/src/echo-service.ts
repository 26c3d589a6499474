import protobuf from 'protobufjs';
import { defineMethod, protobufCodec } from '@msec/rpc';

const root = protobuf.Root.fromJSON({
  nested: {
    bench: {
      nested: {
        EchoRequest: { fields: { text: { type: 'string', id: 1 }, seq: { type: 'uint32', id: 2 } } },
        EchoReply: { fields: { text: { type: 'string', id: 1 }, seq: { type: 'uint32', id: 2 } } },
      },
    },
  },
});

/** Small messages (< 100 bytes), as in MSEC's published echo numbers. */
export interface EchoMessage {
  text: string;
  seq: number;
}

/** The echo method every scenario calls. */
export const Echo = defineMethod<EchoMessage, EchoMessage>(
  'bench.EchoService.Echo',
  protobufCodec(root.lookupType('bench.EchoRequest')),
  protobufCodec(root.lookupType('bench.EchoReply')),
);

/** The forwarding method of the one-hop scenario. */
export const Forward = defineMethod<EchoMessage, EchoMessage>(
  'bench.HopService.Forward',
  protobufCodec(root.lookupType('bench.EchoRequest')),
  protobufCodec(root.lookupType('bench.EchoReply')),
);
