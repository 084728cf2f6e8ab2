/**
 * The forecasting model folder on disk (Node): config.json (with the scaler,
 * the data's columns and frequency, the training history), model.safetensors
 * (PyTorch names: rnn.*, head.*), evaluation.json; plots written by the CLI.
 * Every file is written atomically, config.json last.
 */
import { readModelFiles, saveModelFiles } from '../../io/fs.js';
import type { JsonValue } from '../../io/model-files.js';
import { Forecaster } from './forecaster.js';

export async function saveForecaster(dir: string, f: Forecaster, extra: { [key: string]: JsonValue } = {}): Promise<void> {
  await saveModelFiles(dir, f.toFiles(extra));
}

/** Loads a forecasting model folder; `extra` is what the trainer kept with it (e.g. how its CSV was read). */
export async function loadForecaster(dir: string): Promise<{ forecaster: Forecaster; extra: { [key: string]: JsonValue } }> {
  const files = await readModelFiles(dir);
  return { forecaster: Forecaster.fromFiles({ config: files.config as unknown as JsonValue, weights: files.weights }, dir), extra: files.config.extra ?? {} };
}
