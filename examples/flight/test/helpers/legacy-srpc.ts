import { connect } from 'node:net';

// A client as MSEC's own SRPC clients are: a hand-made frame `(` u32 head length, u32 body length, head, body `)`,
// with the CRpcHead fields such a client sends (sequence 10, flow_id 30, method_name 51) and nothing of MSEC-TS.

/** A protobuf field value: a varint, or the bytes of a length-delimited field. */
type FieldValue = number | Buffer;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Encodes fields in the order given: numbers as varints, strings as UTF-8 bytes. */
export function encodeFields(fields: Array<[number, number | string]>): Buffer {
  const bytes: number[] = [];
  for (const [field, value] of fields) {
    if (typeof value === 'number') bytes.push(...varint(field << 3), ...varint(value));
    else {
      const text = Buffer.from(value, 'utf8');
      bytes.push(...varint((field << 3) | 2), ...varint(text.length), ...text);
    }
  }
  return Buffer.from(bytes);
}

/** Decodes varint and length-delimited fields (all a CRpcHead or a simple message has). */
export function decodeFields(buf: Buffer): Map<number, FieldValue> {
  const fields = new Map<number, FieldValue>();
  let pos = 0;
  const read = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = buf[pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = read();
    if ((tag & 7) === 0) fields.set(tag >>> 3, read());
    else {
      const len = read();
      fields.set(tag >>> 3, buf.subarray(pos, pos + len));
      pos += len;
    }
  }
  return fields;
}

/** One legacy SRPC call: sends the frame and resolves with the reply's head and body fields. */
export function legacyCall(
  address: string,
  head: { sequence: number; flowId?: number; methodName: string },
  body: Buffer,
): Promise<{ head: Map<number, FieldValue>; body: Map<number, FieldValue> }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const headBytes = encodeFields([
    [10, head.sequence],
    ...(head.flowId === undefined ? [] : ([[30, head.flowId]] as Array<[number, number]>)),
    [51, head.methodName],
  ]);
  const frame = Buffer.alloc(10 + headBytes.length + body.length);
  frame[0] = 0x28;
  frame.writeUInt32BE(headBytes.length, 1);
  frame.writeUInt32BE(body.length, 5);
  headBytes.copy(frame, 9);
  body.copy(frame, 9 + headBytes.length);
  frame[frame.length - 1] = 0x29;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 9) return;
      const headLength = received.readUInt32BE(1);
      const bodyLength = received.readUInt32BE(5);
      if (received.length < 10 + headLength + bodyLength) return;
      socket.destroy();
      resolve({
        head: decodeFields(received.subarray(9, 9 + headLength)),
        body: decodeFields(received.subarray(9 + headLength, 9 + headLength + bodyLength)),
      });
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no reply from ${address} within 10 s`)));
    socket.write(frame);
  });
}
