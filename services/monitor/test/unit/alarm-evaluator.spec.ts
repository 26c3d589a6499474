import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AlarmType } from '@msec/contracts';
import { evaluateAlarms, judgedMinute, type JudgedRule } from '../../src/alarms/alarm-evaluator.js';

const M = 29_000_000; // an epoch minute

/** A constructed series: attr → minute → value. */
function reader(series: Record<string, Record<number, number>>) {
  return (_service: string, attr: string, _host: string | null, minute: number): number | undefined => series[attr]?.[minute];
}

function run(rule: JudgedRule, series: Record<string, Record<number, number>>, minutes: number[]): string[] {
  const active = new Set<string>();
  const actions: string[] = [];
  for (const m of minutes) {
    for (const d of evaluateAlarms([rule], active, reader(series), (m + 1) * 60_000 + 20_000, 15_000)) {
      actions.push(`${d.action}@${d.minute - M}`);
      if (d.action === 'fire') active.add(rule.id);
      if (d.action === 'recover') active.delete(rule.id);
    }
  }
  return actions;
}

const rule = (type: AlarmType, threshold: number): JudgedRule => ({ id: type, service: 'S.s', attr: type, host: null, type, threshold });
const minutes = [M, M + 1, M + 2, M + 3, M + 4];

describe('alarm evaluator', () => {
  it('alarm evaluator - judges the last minute that ended a grace period ago', () => {
    assert.equal(judgedMinute((M + 1) * 60_000 + 20_000, 15_000), M);
    assert.equal(judgedMinute((M + 1) * 60_000 + 10_000, 15_000), M - 1);
  });

  it('alarm evaluator - max fires once above the limit, holds, and recovers once', () => {
    assert.deepEqual(run(rule(AlarmType.max, 20), { max: { [M]: 5, [M + 1]: 50, [M + 2]: 60, [M + 3]: 5, [M + 4]: 6 } }, minutes), [
      'fire@1',
      'hold@2',
      'recover@3',
    ]);
  });

  it('alarm evaluator - min fires once below the limit and recovers once', () => {
    assert.deepEqual(run(rule(AlarmType.min, 3), { min: { [M]: 5, [M + 1]: 1, [M + 2]: 1, [M + 3]: 5, [M + 4]: 5 } }, minutes), [
      'fire@1',
      'hold@2',
      'recover@3',
    ]);
  });

  it('alarm evaluator - wave compares with the same minute yesterday in percent, both ways', () => {
    const yesterday = Object.fromEntries(minutes.map((m) => [m - 1440, 100]));
    assert.deepEqual(
      run(rule(AlarmType.wave, 50), { wave: { ...yesterday, [M]: 120, [M + 1]: 160, [M + 2]: 40, [M + 3]: 100, [M + 4]: 149 } }, minutes),
      ['fire@1', 'hold@2', 'recover@3'],
    );
  });

  it('alarm evaluator - diff compares with the same minute yesterday in absolute terms: both ways, up only, down only', () => {
    const yesterday = Object.fromEntries(minutes.map((m) => [m - 1440, 1000]));
    const today = { [M]: 1200, [M + 1]: 1600, [M + 2]: 400, [M + 3]: 1000, [M + 4]: 1499 };
    assert.deepEqual(run(rule(AlarmType.diff, 500), { diff: { ...yesterday, ...today } }, minutes), ['fire@1', 'hold@2', 'recover@3']);
    assert.deepEqual(run(rule(AlarmType.diffUp, 500), { 'diff-up': { ...yesterday, ...today } }, minutes), ['fire@1', 'recover@2']);
    assert.deepEqual(run(rule(AlarmType.diffDown, 500), { 'diff-down': { ...yesterday, ...today } }, minutes), ['fire@2', 'recover@3']);
    assert.deepEqual(run(rule(AlarmType.diff, 5), { diff: { [M]: 50 } }, minutes), [], 'no yesterday: nothing judged');
  });

  it('alarm evaluator - nodata fires after N silent minutes and recovers when data returns', () => {
    assert.deepEqual(run(rule(AlarmType.nodata, 2), { nodata: { [M]: 1, [M + 4]: 1 } }, minutes), ['fire@2', 'hold@3', 'recover@4']);
  });

  it('alarm evaluator - a minute without data judges nothing for max, min and wave', () => {
    assert.deepEqual(run(rule(AlarmType.max, 1), {}, minutes), []);
    assert.deepEqual(run(rule(AlarmType.wave, 1), { wave: { [M]: 5 } }, minutes), []);
  });
});
