import { describe, expect, it } from '@jest/globals';
import { parseKeyValueArgs } from './key-value-args.js';
import { UsageError } from '../core/errors.js';

describe('parseKeyValueArgs', () => {
  it('pairs --key=value and --key value, and pulls out known options and switches', () => {
    const parsed = parseKeyValueArgs(['--api_key=a=b', '--site', 'datadoghq.eu', '--flavor', 'datadog', '--verify'], {
      options: ['flavor'],
      switches: ['verify'],
    });
    expect(parsed.values).toEqual({ api_key: 'a=b', site: 'datadoghq.eu' });
    expect(parsed.options).toEqual({ flavor: 'datadog' });
    expect([...parsed.switches]).toEqual(['verify']);
  });
  it('keeps an empty value and rejects stray words, missing values and conflicting repeats', () => {
    expect(parseKeyValueArgs(['--tags=']).values).toEqual({ tags: '' });
    expect(() => parseKeyValueArgs(['oops'])).toThrow(UsageError);
    expect(() => parseKeyValueArgs(['--site'])).toThrow(/--site needs a value/);
    expect(() => parseKeyValueArgs(['--a=1', '--a=2'])).toThrow(/given twice/);
  });
});
