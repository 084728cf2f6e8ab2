/** `recurrent forecast` and `recurrent detect` as a user meets them: real processes, real files. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { cliIn, oneLineError } from './cli-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'recurrent-forecast-cli-'));
const cli = cliIn(work);

const day = (i: number): string => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);

describe('recurrent forecast / detect CLI', () => {
  const good = join(work, 'daily.csv');
  before(() => {
    const rows = Array.from({ length: 240 }, (_, i) => `${day(i)},${(100 + 10 * Math.sin((2 * Math.PI * i) / 7) + 0.1 * i).toFixed(3)},${(i % 5) + Math.cos(i)}`);
    rows[50] = `${day(50)},,${Math.cos(50)}`; // a missing value
    writeFileSync(good, `date,sales,other\n${rows.join('\n')}\n`);
  });

  it('train: data summary, evaluation beside the baselines, a complete model folder; predict: CSV and plot', () => {
    const out = join(work, 'model');
    const r = cli('forecast', 'train', good, '--model', 'network', '--target', 'sales', '--horizon', '7', '--lookback', '14', '--epochs', '15', '--hidden', '16', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /240 steps \(daily\), values filled by interpolation \(sales: 1\)/);
    assert.match(r.stdout, /network .*\n\s+naive .*\n\s+seasonal naive .*\n\s+ETS .*\n\s+ETS: Holt-Winters \(.*seasonality/);
    for (const f of ['config.json', 'model.safetensors', 'evaluation.json', 'loss.svg', 'loss.png', 'test.svg', 'test.png']) assert.ok(existsSync(join(out, f)), f);
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as { targets: Array<{ model: { mase: number }; naive: { mase: number } }> };
    const e = evaluation.targets[0]!;
    // A weekly cycle on a trend: the network must beat carrying the last value forward.
    assert.ok(e.model.mase < e.naive.mase, `network MASE ${e.model.mase} vs naive ${e.naive.mase}`);
    assert.match(r.stdout, new RegExp(`network .*${e.model.mase.toFixed(3)}`), 'the printed MASE is the saved one');
    const p = cli('forecast', 'predict', out, good);
    assert.equal(p.status, 0, p.stderr);
    const lines = readFileSync(join(out, 'forecast.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'time,column,forecast,lower,upper');
    assert.equal(lines.length, 8);
    assert.equal(lines[1]!.split(',')[0], day(240));
    for (const l of lines.slice(1)) {
      const [, , f, lo, hi] = l.split(',').map(Number);
      assert.ok(lo! <= f! && f! <= hi!, l);
    }
    assert.ok(existsSync(join(out, 'forecast.svg')) && existsSync(join(out, 'forecast.png')));
  });

  it('detect: flagged points as CSV, precision/recall/F1 against labels, plots', () => {
    const rows = Array.from({ length: 400 }, (_, i) => `${i},${(Math.sin(i / 5) + (i >= 300 && i < 305 ? 6 : 0)).toFixed(4)},${i >= 300 && i < 305 ? 1 : 0}`);
    const f = join(work, 'spikes.csv');
    writeFileSync(f, `t,v,label\n${rows.join('\n')}\n`);
    const out = join(work, 'det');
    const r = cli('detect', f, '--time-column', 't', '--columns', 'v', '--label', 'label', '--lookback', '16', '--epochs', '10', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const [precision, recall, f1] = /forecast residuals \(ours\)\s+precision\s+([\d.]+)%\s+recall\s+([\d.]+)%\s+F1 ([01]\.\d{3})/.exec(r.stdout)!.slice(1).map(Number);
    const flagged = readFileSync(join(out, 'anomalies.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    // Every point of the spike is found, and few others: a detector that flags everything scores F1 0.025 here.
    assert.equal(recall, 100, r.stdout);
    assert.ok(f1! >= 0.4 && precision! >= 25, r.stdout);
    assert.ok(flagged.length <= 20, `${flagged.length} of 400 points flagged`);
    for (let k = 300; k < 305; k++) assert.ok(flagged.includes(k), `spike point ${k} flagged: ${flagged.join(' ')}`);
    // The F1 printed is the one the flagged points give against the labels.
    const tp = flagged.filter((k) => k >= 300 && k < 305).length;
    assert.equal(f1, Number(((2 * tp) / (flagged.length + 5)).toFixed(3)));
    assert.ok(existsSync(join(out, 'anomalies-all.png')) && existsSync(join(out, 'detection.json')));
  });

  const bad: Array<[string, string, string[], RegExp]> = [
    ['a ragged row', 'a,b\n2020-01-01,1\n2020-01-02,2,3\n', ['--target', 'b'], /line 3 has 3 cells, expected 2/],
    ['a non-numeric value', 'date,v\n2020-01-01,1\n2020-01-02,x\n', ['--target', 'v'], /line 3, column "v": "x" is not a number/],
    ['an unknown column', 'date,v\n2020-01-01,1\n', ['--target', 'w'], /no column "w" \(the columns are: "date", "v"\)/],
    ['too few rows', `date,v\n${Array.from({ length: 30 }, (_, i) => `${day(i)},${i % 3}`).join('\n')}\n`, ['--target', 'v', '--lookback', '20', '--horizon', '5'], /too few rows: 30 time steps; lookback 20 and horizon 5/],
    ['a constant column', `date,v\n${Array.from({ length: 100 }, (_, i) => `${day(i)},4`).join('\n')}\n`, ['--target', 'v', '--model', 'network'], /column "v" is constant/],
    ['a constant series (hybrid)', `date,v\n${Array.from({ length: 100 }, (_, i) => `${day(i)},4`).join('\n')}\n`, ['--target', 'v'], /v: the training span repeats itself exactly/],
    ['too few rows (hybrid)', `date,v\n${Array.from({ length: 30 }, (_, i) => `${day(i)},${i % 3}`).join('\n')}\n`, ['--target', 'v', '--lookback', '20', '--horizon', '5', '--model', 'hybrid'], /v: too few rows: 30 time steps; lookback 20 and horizon 5/],
    ['an empty file', '', ['--target', 'v'], /empty file/],
  ];
  for (const [what, text, args, pattern] of bad) {
    it(`forecast train refuses ${what}: one line, non-zero exit, nothing written`, () => {
      const f = join(work, `${what.replace(/\W+/g, '-')}.csv`);
      writeFileSync(f, text);
      const out = join(work, `out-${what.replace(/\W+/g, '-')}`);
      oneLineError(cli('forecast', 'train', f, ...args, '--out', out), pattern);
      assert.ok(!existsSync(out));
    });
  }

  it('hybrid: one model over series split by --series-column; predict writes each series; a folder of CSVs; ets alone', () => {
    const month = (i: number): string => new Date(Date.UTC(2000, i, 1)).toISOString().slice(0, 10);
    const rows: string[] = [];
    const files: Record<string, string[]> = { north: [], south: [] };
    for (const [k, id] of ['north', 'south'].entries()) {
      for (let i = 0; i < 120; i++) {
        const v = (50 + 20 * k + 0.2 * i) * (1 + 0.2 * Math.sin((2 * Math.PI * i) / 12)) + Math.cos(7 * i + k);
        rows.push(`${id},${month(i)},${v.toFixed(3)}`);
        files[id]!.push(`${month(i)},${v.toFixed(3)}`);
      }
    }
    const csv = join(work, 'regions.csv');
    writeFileSync(csv, `region,month,sales\n${rows.join('\n')}\n`);
    const out = join(work, 'hybrid');
    const r = cli('forecast', 'train', csv, '--target', 'sales', '--series-column', 'region', '--horizon', '6', '--epochs', '8', '--seeds', '1', '--hidden', '8', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /2 series, 120 steps \(monthly\), season 12/);
    assert.match(r.stdout, /series\s+hybrid\s+naive\s+s\.naive\s+ETS\s+coverage\n\s+north .*\n\s+south .*\n\s+median /);
    for (const f of ['config.json', 'model.safetensors', 'evaluation.json', 'test.svg', 'test.png']) assert.ok(existsSync(join(out, f)), f);
    const e = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as { series: Array<{ name: string; model: { mase: number }; naive: { mase: number } }> };
    assert.deepEqual(e.series.map((s) => s.name), ['north', 'south']);
    for (const s of e.series) assert.ok(s.model.mase < s.naive.mase, `${s.name}: hybrid ${s.model.mase} vs naive ${s.naive.mase}`);
    const p = cli('forecast', 'predict', out, csv, '--evaluate');
    assert.equal(p.status, 0, p.stderr);
    const lines = readFileSync(join(out, 'forecast.csv'), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'series,time,column,forecast,lower,upper');
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(' ')), [...[0, 1, 2, 3, 4, 5].map((h) => `north ${month(120 + h)}`), ...[0, 1, 2, 3, 4, 5].map((h) => `south ${month(120 + h)}`)]);
    for (const l of lines.slice(1)) {
      const [, , , f, lo, hi] = l.split(',');
      assert.ok(Number(lo) <= Number(f) && Number(f) <= Number(hi), l);
    }
    assert.match(p.stdout, new RegExp(`north\\s+${e.series[0]!.model.mase.toFixed(3)}`), 'predict --evaluate gives the saved evaluation');
    // A series the model was not fitted on: one line naming the ones it knows.
    const other = join(work, 'other.csv');
    writeFileSync(other, `region,month,sales\n${rows.map((l) => l.replace(/^north/, 'east')).join('\n')}\n`);
    oneLineError(cli('forecast', 'predict', out, other, '--out', join(work, 'other-forecast.csv')), /no series 'east' in this model \(it was fitted on 2 series: north, south\)/);
    // The same series as a folder of CSV files, and the smoothing alone.
    const folder = join(work, 'regions');
    mkdirSync(folder);
    for (const [id, l] of Object.entries(files)) writeFileSync(join(folder, `${id}.csv`), `month,sales\n${l.join('\n')}\n`);
    const ets = cli('forecast', 'train', folder, '--target', 'sales', '--model', 'ets', '--horizon', '6', '--out', join(work, 'ets'));
    assert.equal(ets.status, 0, ets.stderr);
    const ee = JSON.parse(readFileSync(join(work, 'ets', 'evaluation.json'), 'utf8')) as { series: Array<{ name: string; model: { mase: number }; ets: { mase: number } }> };
    assert.deepEqual(ee.series.map((s) => s.name), ['north', 'south']);
    for (const s of ee.series) assert.ok(Math.abs(s.model.mase - s.ets.mase) < 1e-9 * s.ets.mase, `${s.name}: the ets model is the ETS baseline`);
    oneLineError(cli('forecast', 'train', csv, '--target', 'sales', '--series-column', 'region', '--model', 'network', '--out', join(work, 'x1')), /--series-column needs --model hybrid or ets/);
    oneLineError(cli('forecast', 'train', folder, '--target', 'sales', '--model', 'network', '--out', join(work, 'x2')), /is a folder: a folder of series needs --model hybrid or ets/);
    oneLineError(cli('forecast', 'train', good, '--target', 'sales', '--inputs', 'sales,other', '--out', join(work, 'x3')), /--inputs: the hybrid model reads only the series it forecasts/);
    oneLineError(cli('forecast', 'train', csv, '--target', 'sales', '--series-column', 'area', '--out', join(work, 'x4')), /--series-column area: no such column \(the columns are region, month, sales\)/);
  });

  it('a missing file, an existing output folder, a folder that is not a model', () => {
    oneLineError(cli('forecast', 'train', join(work, 'nope.csv'), '--target', 'v'), /nope\.csv: no such file/);
    oneLineError(cli('forecast', 'train', good, '--target', 'sales', '--out', work), /already exists: choose --out or add --force/);
    oneLineError(cli('forecast', 'predict', work, good), /config\.json: cannot read \(ENOENT\); is .* a model folder\?/);
    oneLineError(cli('detect', good, '--label', 'nope', '--out', join(work, 'x')), /no column "nope"/);
  });
});
