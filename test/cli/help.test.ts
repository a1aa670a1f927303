import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
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
    ['secret'],
    ['stack'],
    ['runs'],
    ['runs', 'describe'],
    ['log-store', 'flavor'],
    ['log-store', 'verify'],
    ['run'],
    ['logs'],
    ['completion'],
    ['ui'],
  ])('%s %s --help has an example', async (...words: string[]) => {
    const r = await runCli([...words, '--help'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n {2}\$ (eval "\$\(|)dd-logstore /);
  });

  it('a flag shows its default once (ui --port said "(default 0: any free port) (default: \\"0\\")")', async () => {
    for (const words of [['ui'], ['run'], ['logs'], ['runs', 'list']]) {
      const r = await runCli([...words, '--help'], { home });
      for (const line of r.stdout.split('\n')) expect(line.match(/default/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    expect((await runCli(['ui', '--help'], { home })).stdout).toMatch(
      /--port <n> +the port to listen on \(0: any free port\) \(default: "0"\)/,
    );
    // A repeatable flag has no default to show (run --tag said "(default: [])").
    const run = (await runCli(['run', '--help'], { home })).stdout;
    expect(run).toMatch(/^ {2}--tag <k:v> +a tag on every record \(repeatable\)$/m);
    expect(run).not.toContain('[]');
  });

  it('help X is X --help, and logs --last on a fresh home finds nothing and exits 0', async () => {
    const help = await runCli(['help', 'logs', 'tail'], { home });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: dd-logstore logs tail/);
    const last = await runCli(['logs', '--last'], { home });
    expect(last.code).toBe(0);
    expect(last.stdout).toBe('');
    expect(last.stderr).toMatch(/no runs yet/);
  });

  it.each(['bash', 'zsh', 'fish'])('completion %s prints a script naming the commands', async (shell) => {
    const r = await runCli(['completion', shell], { home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('log-store');
    expect(r.stdout).toContain('register');
  });

  it('the bash script completes subcommands and flags at each level', async () => {
    const script = join(home, 'completion.sh');
    writeFileSync(script, (await runCli(['completion', 'bash'], { home })).stdout);
    const complete = (...words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${script}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _dd_logstore; echo "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
        },
      ).stdout.trim();
    expect(complete('dd-logstore', 'log-store', 're')).toBe('register rename');
    expect(complete('dd-logstore', 'sec')).toBe('secret');
    expect(complete('dd-logstore', 'stack', 'register', 'mine', '--s')).toBe('--set');
    expect(complete('dd-logstore', 'stack', 'list', '--output', 'js')).toBe('json jsonl');
    expect(complete('dd-logstore', 'log-store', 'register', 'x', '--flavor', 'd')).toBe('datadog');
    expect(complete('dd-logstore', 'log-store', 'register', 'x', '-f', 'd')).toBe('datadog');
    // In logs, -f is --follow: a flavor is no value of it (they were offered).
    expect(complete('dd-logstore', 'logs', '-f', 'd')).not.toContain('datadog');
    // After `--` the words are the command's: none of ours are offered.
    expect(complete('dd-logstore', 'run', '--q')).toBe('--quiet');
    expect(complete('dd-logstore', 'run', '--', 'ls', '--q')).toBe('');
  });
});
