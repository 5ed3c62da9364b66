import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestApp, startTestApp } from './support/app';

/** The README's ```bash walkthrough blocks, in order. */
function walkthroughBlocks(): string[] {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  return [...readme.matchAll(/^```bash walkthrough\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** Runs a script with bash, without blocking this process (the app under test lives here). */
function runBash(script: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('README walkthrough (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ SIM_DELAY_MS: '300' });
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('should run verbatim, block after block, in one shell', async () => {
    const blocks = walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const script = [
      'set -euo pipefail',
      ...blocks.map((block, i) => `${block}\necho; echo "::block ${i + 1} done"`),
    ].join('\n');

    const run = await runBash(script, { API: sut.url });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    blocks.forEach((_, i) => expect(run.stdout).toContain(`::block ${i + 1} done`));
    // The stream ends with the run's end: its final event, or a final snapshot if it was quicker.
    expect(run.stdout).toMatch(/event: (execution\.completed|snapshot)\n/);
    expect(run.stdout).toContain('"status":"COMPLETED"');
    expect(run.stdout).toContain('"stream_token":"st2.');
    // The clean-up at the end took effect.
    const [workflows] = await sut.db.query(
      "SELECT COUNT(*) AS n FROM workflows WHERE project_id = 'invoice-download'",
    );
    expect(Number(workflows.n)).toBe(0);
  });
});
