import { describe, expect, it } from '@jest/globals';
import { matchQuery, parseQuery, QuerySyntaxError } from './query.js';
import type { QueryTarget } from './query.js';
import { parseDatadogTime } from './time-math.js';

function target(attrs: Record<string, unknown>, extra: Partial<QueryTarget> = {}): QueryTarget {
  return {
    message: 'Epoch 3 finished: loss=0.12',
    status: 'info',
    service: 'zenml',
    host: 'host-a',
    source: 'dd-logstore',
    tags: ['env:prod', 'team:ml'],
    attribute: (p) => attrs[p],
    ...extra,
  };
}

const t = target({ 'zenml.run.id': 'a1b2-c3', 'zenml.step.name': 'trainer', n: 42, list: ['x', 'y'] });
const m = (q: string, r: QueryTarget = t): boolean => matchQuery(parseQuery(q), r);

describe('parseQuery / matchQuery', () => {
  it('matches everything for an empty query or *', () => {
    expect(m('')).toBe(true);
    expect(m('*')).toBe(true);
  });

  it('matches attributes exactly, quoted or escaped, with wildcards only unquoted', () => {
    expect(m('@zenml.run.id:"a1b2-c3"')).toBe(true);
    expect(m('@zenml.run.id:a1b2\\-c3')).toBe(true);
    expect(m('@zenml.run.id:a1b2')).toBe(false);
    expect(m('@zenml.run.id:a1*')).toBe(true);
    expect(m('@zenml.run.id:"a1*"')).toBe(false);
    expect(m('@zenml.step.name:Trainer')).toBe(false);
    expect(m('@n:42')).toBe(true);
    expect(m('@list:y')).toBe(true);
    expect(m('@missing:x')).toBe(false);
  });

  it('combines with implicit AND, AND, OR, NOT, - and parentheses, NOT > AND > OR', () => {
    expect(m('service:zenml @zenml.step.name:trainer')).toBe(true);
    expect(m('service:zenml AND @zenml.step.name:other')).toBe(false);
    expect(m('service:other OR @zenml.step.name:trainer')).toBe(true);
    expect(m('-service:zenml')).toBe(false);
    expect(m('NOT service:other')).toBe(true);
    expect(m('service:other OR service:zenml status:error')).toBe(false);
    expect(m('(service:other OR service:zenml) status:info')).toBe(true);
    expect(m('-(service:other OR host:host-a)')).toBe(false);
  });

  it('searches free text in the message, case-insensitive, with phrases and wildcards', () => {
    expect(m('epoch')).toBe(true);
    expect(m('"3 finished"')).toBe(true);
    expect(m('loss=0.*')).toBe(true);
    expect(m('accuracy')).toBe(false);
  });

  it('matches reserved fields and tags case-insensitively, statuses through the remapper', () => {
    expect(m('service:ZENML')).toBe(true);
    expect(m('env:prod team:ml')).toBe(true);
    expect(m('env:dev')).toBe(false);
    expect(m('status:warning', target({}, { status: 'warn' }))).toBe(true);
    expect(m('source:dd-logstore host:host-*')).toBe(true);
  });

  it('reads grouped values key:(a OR b), with AND, NOT and nesting inside the group', () => {
    const warn = target({ 'zenml.log.id': 'L1' }, { status: 'warn' });
    expect(m('status:(warn OR error)', warn)).toBe(true);
    expect(m('status:(error OR critical)', warn)).toBe(false);
    expect(m('-status:(warn OR error)', warn)).toBe(false);
    expect(m('status:(NOT info)', warn)).toBe(true);
    expect(m('@zenml.step.name:(other OR trainer) service:zenml')).toBe(true);
    expect(m('@zenml.step.name:(other OR "x y")')).toBe(false);
    expect(m('env:(dev OR prod) team:ml')).toBe(true);
    expect(m('status:((info OR warn) AND -error)')).toBe(true);
    // ZenML's dashboard query, level filter included (its exact text for a warning-and-above read).
    const zenml =
      'service:"zenml" AND @zenml.log.id:L1 AND status:(warn OR warning OR err OR error OR crit OR critical OR ' +
      'alert OR emerg OR emergency OR fatal)';
    expect(m(zenml, warn)).toBe(true);
    expect(m(zenml, target({ 'zenml.log.id': 'L1' }, { status: 'info' }))).toBe(false);
    expect(m(zenml.replace('L1', 'L2'), warn)).toBe(false);
  });

  it('reads message: as the message (not a tag), with phrases, escapes and wildcards', () => {
    expect(m('message:epoch')).toBe(true);
    expect(m('message:"3 finished"')).toBe(true);
    expect(m('message:*loss=0.12')).toBe(true);
    expect(m('message:*finished*')).toBe(true);
    expect(m('message:finished*')).toBe(false);
    expect(m('message:accuracy')).toBe(false);
    expect(m('message:*a\\:b\\*\\?*', target({}, { message: 'x a:b*? y' }))).toBe(true);
    expect(m('message:*a\\:b\\*\\?*', target({}, { message: 'x a:bcd y' }))).toBe(false);
    expect(m('message:"x\\" OR *:*"', target({}, { message: 'say x" OR *:* now' }))).toBe(true);
    expect(m('message:"x\\" OR *:*"')).toBe(false);
    // A tag named message is not consulted.
    expect(m('message:prod', target({}, { tags: ['message:prod'] }))).toBe(false);
  });

  it('rejects malformed queries', () => {
    for (const q of ['(service:a', 'service:a)', '@zenml.run.id:"open', 'service:', 'a OR', '@:x']) {
      expect(() => parseQuery(q)).toThrow(QuerySyntaxError);
    }
  });
});

describe('parseDatadogTime', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('reads ms, ISO and date math', () => {
    expect(parseDatadogTime(1714564800000, now)).toBe(1714564800000);
    expect(parseDatadogTime('1714564800000', now)).toBe(1714564800000);
    expect(parseDatadogTime('2024-05-01T11:00:00Z', now)).toBe(now - 3_600_000);
    expect(parseDatadogTime('now', now)).toBe(now);
    expect(parseDatadogTime('now-15m', now)).toBe(now - 900_000);
    expect(parseDatadogTime('now+2h', now)).toBe(now + 7_200_000);
    expect(parseDatadogTime('now-1d', now)).toBe(now - 86_400_000);
    expect(parseDatadogTime('later', now)).toBeUndefined();
    expect(parseDatadogTime({}, now)).toBeUndefined();
  });

  it('reads an ISO time without an offset as UTC, as Datadog does', () => {
    expect(parseDatadogTime('2024-05-01T11:00:00', now)).toBe(now - 3_600_000);
    expect(parseDatadogTime('2024-05-01T11:00:00.500', now)).toBe(now - 3_599_500);
    expect(parseDatadogTime('2024-05-01 11:00', now)).toBe(now - 3_600_000);
    expect(parseDatadogTime('2024-05-01T13:00:00+02:00', now)).toBe(now - 3_600_000);
  });
});
