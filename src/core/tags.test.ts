import { describe, expect, it } from '@jest/globals';
import { checkTag } from './tags.js';

describe('checkTag', () => {
  it('k:v, the value all after the first colon', () => {
    expect(checkTag('team:ml')).toBe('ok');
    expect(checkTag('a:b:')).toBe('ok'); // key a, value b: (it read "no value")
    expect(checkTag('url:http://x')).toBe('ok');
  });
  it('no value: nothing, or blanks alone, after the colon', () => {
    expect(checkTag('team:')).toBe('no value');
    expect(checkTag('team: ')).toBe('no value'); // it was taken
  });
  it('malformed: no colon, a blank or comma in the key, a control character anywhere', () => {
    for (const tag of ['team', ':ml', 'a b:c', 'team:x\ny', 'team:x\u0085', 'te\tam:x'])
      expect(checkTag(tag)).toBe('malformed');
  });
});
