import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { RoutedClient, RpcServer, writeTypeScript, type Router } from '../src/index.js';
import { FLIGHT_IDL } from './fixtures/flight-idl.js';

// Inside the package's dist so the generated code resolves @msec/rpc the way a user's project would.
const dir = fileURLToPath(new URL(`../tmp-codegen-${process.pid}/`, import.meta.url));

const IMPL = `import type { flight_serviceHandlers } from './flight.server.js';
export const impl: flight_serviceHandlers = {
  async queryFlight(req, ctx) {
    if (req.password !== '123456') return { errcode: -1, errmsg: 'invalid user', flightsInfo: '' };
    return { errcode: 0, errmsg: '', flightsInfo: req.departureCity + '->' + req.destinationCity + ' by ' + (ctx.caller ?? '?') };
  },
};
`;

describe('codegen', () => {
  before(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'flight.proto'), FLIGHT_IDL);
    writeFileSync(join(dir, 'impl.ts'), IMPL);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('codegen - the flight IDL gives types, a server skeleton and a client that type-check and serve a real call', async () => {
    const files = await writeTypeScript(join(dir, 'flight.proto'), dir);
    assert.deepEqual(
      files.map((f) => f.slice(dir.length)),
      ['flight.types.ts', 'flight.server.ts', 'flight.client.ts'],
    );
    const types = readFileSync(files[0]!, 'utf8');
    assert.match(types, /export interface queryFlightRequest \{\n {2}name: string;/);
    assert.match(types, /departureCity: string;/);

    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const program = ts.createProgram([...files, join(dir, 'impl.ts')], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diagnostics, []);

    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    for (const file of [...files, join(dir, 'impl.ts')]) {
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(file.replace(/\.ts$/, '.js'), js);
    }
    const serverMod = (await import(pathToFileURL(join(dir, 'flight.server.js')).href)) as Record<string, (...a: unknown[]) => unknown>;
    const clientMod = (await import(pathToFileURL(join(dir, 'flight.client.js')).href)) as Record<
      string,
      { load(...a: unknown[]): Promise<Record<string, (...a: unknown[]) => Promise<unknown>>> }
    >;
    const { impl } = (await import(pathToFileURL(join(dir, 'impl.js')).href)) as { impl: unknown };

    const server = new RpcServer({ port: 0 });
    const bound = await serverMod.loadflight_service!(join(dir, 'flight.proto'));
    serverMod.registerflight_service!(server, bound, impl);
    const { port } = await server.listen();
    const router: Router = { route: async () => ({ ip: '127.0.0.1', port, key: `127.0.0.1:${port}` }), reportResult: () => undefined };
    const routed = new RoutedClient({ router, client: { caller: 'Flight.mod_gateway' } });
    try {
      const client = await clientMod.flight_serviceClient!.load(routed, 'Flight.mod_flight', join(dir, 'flight.proto'));
      const ok = await client.queryFlight!({ name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' });
      assert.deepEqual({ ...(ok as object) }, { errcode: 0, errmsg: '', flightsInfo: 'sz->xz by Flight.mod_gateway' });
      const denied = await client.queryFlight!({ name: 'bison', password: 'nope', departureCity: 'sz', destinationCity: 'xz' });
      assert.deepEqual({ ...(denied as object) }, { errcode: -1, errmsg: 'invalid user', flightsInfo: '' });
    } finally {
      routed.close();
      await server.close();
    }
  });
});
