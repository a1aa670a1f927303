import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tuneJitForBusyRun } from './jit-tuning.js';

const built = pathToFileURL(fileURLToPath(new URL('../../dist/core/jit-tuning.js', import.meta.url))).href;

describe('tuneJitForBusyRun', () => {
  it('leaves a V8 other than 11 alone', () => {
    expect(tuneJitForBusyRun('13.6.233.10-node.28')).toBe(false);
  });

  it("sets a flag this Node's V8 knows, once: V8 says 'unrecognized flag' on stderr otherwise", () => {
    const script = `const { tuneJitForBusyRun } = await import(${JSON.stringify(built)}); console.log(tuneJitForBusyRun(), tuneJitForBusyRun());`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const v8 = process.versions.v8.startsWith('11.');
    expect(r.stdout.trim()).toBe(`${v8} false`);
  });

  it("would say so on stderr if the flag were not V8's own (the check above can fail)", () => {
    const r = spawnSync(process.execPath, ['-e', "require('node:v8').setFlagsFromString('--no-such-flag-here')"], {
      encoding: 'utf8',
    });
    expect(r.stderr).toMatch(/unrecognized flag/);
  });
});
