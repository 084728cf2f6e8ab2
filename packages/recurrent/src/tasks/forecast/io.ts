/**
 * The forecasting model folders on disk (Node), in the one model-folder
 * format: config.json (the options, the data's columns, the training
 * history; for the network its scaler, for the hybrid each series' name and
 * spread), model.safetensors (PyTorch names: rnn.*, head.* for the network;
 * smoothing.<i>.*, networks.<k>.* for the hybrid), and what the caller adds
 * (the CLI: evaluation.json and plots), all swapped in as one folder.
 */
import { readModelFiles, saveModelFiles } from '../../io/fs.js';
import { FormatError } from '../../errors.js';
import type { JsonValue } from '../../io/model-files.js';
import { Forecaster } from './forecaster.js';
import { HybridForecaster } from './hybrid.js';

/** Saves a network forecaster or a hybrid one; `files` (name, contents: an evaluation, plots) go into the folder in the same step. */
export async function saveForecaster(dir: string, f: Forecaster | HybridForecaster, extra: { [key: string]: JsonValue } = {}, files: ReadonlyArray<readonly [string, Uint8Array | string]> = []): Promise<void> {
  await saveModelFiles(dir, f.toFiles(extra), files);
}

/** Loads a network forecasting model folder; `extra` is what the trainer kept with it (e.g. how its CSV was read). */
export async function loadForecaster(dir: string): Promise<{ forecaster: Forecaster; extra: { [key: string]: JsonValue } }> {
  const files = await readModelFiles(dir);
  return { forecaster: Forecaster.fromFiles({ config: files.config as unknown as JsonValue, weights: files.weights }, dir), extra: files.config.extra ?? {} };
}

/** Loads either kind of forecasting folder (`recurrent forecast train --model network|hybrid|ets`). */
export async function loadForecastModel(dir: string): Promise<{ forecaster: Forecaster | HybridForecaster; extra: { [key: string]: JsonValue } }> {
  const files = await readModelFiles(dir);
  const config = files.config as unknown as JsonValue;
  const extra = files.config.extra ?? {};
  if (files.config.type === 'EsRnn') return { forecaster: HybridForecaster.fromFiles({ config, weights: files.weights }, dir), extra };
  if (files.config.type === 'SequenceRegressor') return { forecaster: Forecaster.fromFiles({ config, weights: files.weights }, dir), extra };
  throw new FormatError(`${dir}/config.json: not a forecasting model (type '${files.config.type}'; expected 'SequenceRegressor' or 'EsRnn')`);
}
