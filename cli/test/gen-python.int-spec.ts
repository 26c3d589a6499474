import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generatePython, loadProto } from '@msec/rpc';

const run = promisify(execFile);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(REPO_ROOT, 'cli', 'dist', 'src', 'main.js');
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

const PROTO = `syntax = "proto3";
package shop;

enum Colour { RED = 0; GREEN = 1; BLUE = 2; }

message Item {
  int64 big = 1;
  repeated int32 nums = 2;
  bytes blob = 3;
}

message Order {
  string name = 1;
  Item item = 2;
  repeated Item items = 3;
  Colour colour = 4;
  double ratio = 5;
  sint32 delta = 6;
  bool flag = 7;
  fixed64 f64 = 8;
  repeated string tags = 9;
  uint32 u = 10;
  int32 neg = 11;
}

service order_service {
  rpc place(Order) returns (Order) { option idempotency_level = IDEMPOTENT; }
  rpc cancel(Item) returns (Item);
}
`;

/** Runs Python with the generated module importable; prints what the script prints. */
async function python(dir: string, script: string, input: string): Promise<string> {
  const child = execFile('python3', ['-c', script], {
    cwd: dir,
    env: { ...process.env, PYTHONPATH: `${join(REPO_ROOT, 'sdk', 'python')}:${dir}`, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin!.end(input);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `python failed: ${err}`);
  return out.trim();
}

describe('gen --lang python', { skip: HAS_PYTHON ? false : 'python3 is not installed' }, () => {
  let dir: string;
  const order = {
    name: 'ünïcode order',
    item: { big: 9_007_199_254_740_000, nums: [1, -2, 300_000], blob: Buffer.from([0, 255, 7]) },
    items: [
      { big: 1, nums: [], blob: Buffer.alloc(0) },
      { big: -5, nums: [7], blob: Buffer.from('x') },
    ],
    colour: 2,
    ratio: 0.25,
    delta: -77,
    flag: true,
    f64: 123_456_789_012,
    tags: ['a', 'b'],
    u: 4_000_000_000,
    neg: -1,
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msec-gen-python-'));
    writeFileSync(join(dir, 'shop.proto'), PROTO);
    const { stdout } = await run(process.execPath, [CLI, 'gen', join(dir, 'shop.proto'), '--out', dir, '--lang', 'python']);
    assert.match(stdout, /wrote .*shop_msec\.py/);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gen --lang python - the module imports, binds handlers and marks idempotent methods from the IDL', async () => {
    const out = await python(
      dir,
      [
        'import shop_msec, msec',
        'class Impl(shop_msec.order_serviceHandlers):',
        '    def place(self, request, ctx): return request',
        'methods = shop_msec.bind_order_service(Impl())',
        'print(",".join(f"{m.name}:{m.idempotent}" for m in methods), shop_msec.Colour.BLUE, sorted(shop_msec.Order.__annotations__)[:3])',
      ].join('\n'),
      '',
    );
    assert.equal(out, "shop.order_service.place:True,shop.order_service.cancel:False 2 ['colour', 'delta', 'f64']");
  });

  it('gen --lang python - messages the Python codec writes decode in protobufjs to the same values, and back', async () => {
    const Order = (await loadProto(join(dir, 'shop.proto'))).lookupType('shop.Order');
    const asJson = JSON.stringify({ ...order, item: { ...order.item, blob: order.item.blob.toString('base64') }, items: [] });
    const pyHex = await python(
      dir,
      [
        'import base64, json, sys, shop_msec',
        'o = json.loads(sys.stdin.read())',
        'o["item"]["blob"] = base64.b64decode(o["item"]["blob"])',
        'o["items"] = [{"big": 1, "nums": [], "blob": b""}, {"big": -5, "nums": [7], "blob": b"x"}]',
        'print(shop_msec.Order_type.encode(o).hex())',
      ].join('\n'),
      asJson,
    );
    const decoded = Order.toObject(Order.decode(Buffer.from(pyHex, 'hex')), { longs: Number, defaults: true });
    assert.deepEqual(
      { ...decoded, item: { ...decoded.item, blob: Buffer.from(decoded.item.blob) }, items: decoded.items.map((i: object) => ({ ...i })) },
      {
        ...order,
        items: [
          { big: 1, nums: [], blob: Buffer.alloc(0) },
          { big: -5, nums: [7], blob: Buffer.from('x') },
        ],
      },
    );
    const tsHex = Buffer.from(Order.encode(Order.fromObject(order)).finish()).toString('hex');
    assert.equal(pyHex, tsHex, 'the same message gives the same bytes in both languages');
    const back = await python(
      dir,
      [
        'import json, sys, shop_msec',
        'o = shop_msec.Order_type.decode(bytes.fromhex(sys.stdin.read().strip()))',
        'o["item"]["blob"] = o["item"]["blob"].hex()',
        'o["items"] = [dict(i, blob=i["blob"].hex()) for i in o["items"]]',
        'print(json.dumps(o, sort_keys=True))',
      ].join('\n'),
      tsHex,
    );
    const parsed = JSON.parse(back) as typeof order & { item: { blob: string } };
    assert.equal(parsed.name, order.name);
    assert.equal(parsed.item.big, order.item.big);
    assert.deepEqual(parsed.item.nums, order.item.nums);
    assert.equal(parsed.item.blob, '00ff07');
    assert.deepEqual(
      [parsed.colour, parsed.delta, parsed.u, parsed.neg, parsed.f64, parsed.ratio],
      [2, -77, 4_000_000_000, -1, 123_456_789_012, 0.25],
    );
    assert.deepEqual(parsed.tags, ['a', 'b']);
  });

  it('gen --lang python - the stubs examples/python-echo carries are what gen writes today', async () => {
    const example = join(REPO_ROOT, 'examples', 'python-echo');
    for (const [proto, module] of [
      [join(example, 'proto', 'echo.proto'), 'echo_msec.py'],
      [join(REPO_ROOT, 'examples', 'flight', 'proto', 'user.proto'), 'user_msec.py'],
    ] as const)
      assert.equal(
        readFileSync(join(example, module), 'utf8'),
        await generatePython(proto),
        `regenerate ${module} with ./msec gen --lang python`,
      );
  });

  it('gen --lang python - an unknown language is refused naming --lang', async () => {
    const failed = await run(process.execPath, [CLI, 'gen', join(dir, 'shop.proto'), '--out', dir, '--lang', 'cobol']).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    assert.match(failed ?? '', /--lang: cobol is not a language msec gen writes; use ts or python/);
  });
});
