import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempHome } from './harness.js';

describe('help, version, completion', () => {
  const { home, cleanup } = tempHome();
  afterAll(cleanup);

  it('--help and --version work without creating the store', async () => {
    const help = await runCli(['--help'], { home });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dd-logstore/);
    expect(help.stdout).toMatch(/Examples:/);
    const version = await runCli(['--version'], { home });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(existsSync(join(home, 'config.json'))).toBe(false);
  });

  it.each([
    ['secret', 'create'],
    ['log-store', 'register'],
    ['log-store', 'describe'],
    ['stack', 'register'],
    ['stack', 'list'],
    ['artifact-store', 'delete'],
    ['orchestrator', 'list'],
  ])('%s %s --help has an example', async (group, verb) => {
    const r = await runCli([group, verb, '--help'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ dd-logstore /);
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s prints a script naming the commands', async (shell) => {
    const r = await runCli(['completion', shell], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('log-store');
    expect(r.stdout).toContain('register');
  });
});
