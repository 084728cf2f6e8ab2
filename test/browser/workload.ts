/**
 * What the browser test computes, written once: the page runs it in Chromium
 * and test/browser.test.ts runs it in Node, so the two results can be compared
 * number for number (same seeds, same kernels).
 */
import { AnomalyDetector, Forecaster, TextGenerator, parseTable, toSeries } from '../../packages/recurrent/src/index.js';

export interface WorkloadResult {
  valLoss: number;
  sample: string;
  reloaded: string;
  forecast: number[];
  scores: number[];
}

export async function browserWorkload(): Promise<WorkloadResult> {
  const text = 'the whale and the sea and the ship. '.repeat(40);
  const g = TextGenerator.create(text, { hiddenSize: 16, numLayers: 1, embeddingSize: 8 }, 0);
  await g.train(text, { batch: 4, seqLen: 10, steps: 5, evalEvery: 5 });
  const sample = g.generate({ prime: 'the ', length: 20, seed: 1 }).text;
  const again = TextGenerator.fromFiles(g.toFiles(), 'memory');
  const csv = `date,v\n${Array.from({ length: 120 }, (_, i) => `${new Date(Date.UTC(2020, i, 1)).toISOString().slice(0, 10)},${Math.sin(i / 2) + i / 50}`).join('\n')}\n`;
  const series = toSeries(parseTable(csv, 'page.csv'), { time: 'date', columns: ['v'] });
  const forecaster = Forecaster.create(series, { targets: ['v'], horizon: 6, lookback: 12, hiddenSize: 8 }, 0);
  await forecaster.train(series, { epochs: 2 });
  const detector = AnomalyDetector.create(series, { lookback: 12, hiddenSize: 8 }, 0);
  await detector.train(series, { epochs: 2 });
  return {
    valLoss: g.history.at(-1)?.valLoss ?? NaN,
    sample,
    reloaded: again.generate({ prime: 'the ', length: 20, seed: 1 }).text,
    forecast: Array.from(forecaster.forecast(series).targets[0]!.median),
    scores: Array.from(detector.detect(series).scores),
  };
}
