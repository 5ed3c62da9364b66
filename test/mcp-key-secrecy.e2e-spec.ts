import { dropTestResources } from './support/cleanup';
import { testEnv } from './support/env';
import { createKey, upsertWorkflow } from './support/fixtures';
import { connectMcp } from './support/mcp';
import { NodeProcess, spawnApi } from './support/process';

/**
 * The built service, logging at debug level, used over MCP with the key in the URL (the
 * form most exposed to logs), in the header, and a bad one: its output never holds a key.
 */
describe('MCP key secrecy of the built service (e2e)', () => {
  const env = testEnv({ LOG_LEVEL: 'debug' });
  const badKey = 'rpa_ThisIsNotAValidKeyButMustNotBeLoggedEither0123456789';
  let api: NodeProcess | undefined;
  let key = '';

  beforeAll(async () => {
    api = await spawnApi(env);
    key = await createKey(api.url, 'alice', { name: 'mcp' });
    await upsertWorkflow(api.url, 'alice', 'k1', { name: 'Echo' });

    const viaQuery = await connectMcp(api.url, key, 'query');
    await viaQuery.listTools();
    await viaQuery.callTool({ name: 'Echo', arguments: { note: 'hello' } });
    await viaQuery.callTool({ name: 'Nope', arguments: {} }).catch(() => undefined);
    await viaQuery.close();
    const viaHeader = await connectMcp(api.url, key, 'header');
    await viaHeader.callTool({ name: 'Echo', arguments: {} });
    await viaHeader.close();
    // Refused with HTTP 401 at the first request.
    await expect(connectMcp(api.url, badKey, 'query')).rejects.toMatchObject({ code: 401 });
    await api.stop();
  });
  afterAll(async () => {
    await api?.stop();
    await dropTestResources(env);
  });

  it('should log the MCP requests with the key redacted', () => {
    const output = api!.output();

    expect(output).toContain('"url":"/mcp?key=[REDACTED]"');
    expect(output).toContain('"url":"/mcp"');
  });

  it('should never write a key to its output', () => {
    const output = api!.output();

    expect(key).toMatch(/^rpa_/);
    expect(output).not.toContain(key);
    expect(output).not.toContain(key.slice(-24));
    expect(output).not.toContain(badKey);
    expect(output).not.toContain(badKey.slice(-24));
  });
});
