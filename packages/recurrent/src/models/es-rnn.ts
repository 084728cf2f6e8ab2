/**
 * The weights of a hybrid of exponential smoothing and recurrent networks
 * (Smyl's ES-RNN, the M4 competition's winner): one Holt-Winters per series
 * (its coefficients and initial states) and an ensemble of networks global
 * over every series. The container only holds them, so that one model folder
 * (config.json + model.safetensors) saves the whole: names `smoothing.<i>.*`
 * (alpha, beta, gamma, phi, level, trend, season) and `networks.<k>.rnn.*`,
 * `networks.<k>.head.*` (PyTorch's names for a module with those lists).
 * How the two are combined, trained and evaluated is the forecasting task's
 * (tasks/forecast/hybrid.ts).
 */
import { ConfigError } from '../errors.js';
import { ModuleList } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import type { Random } from '../tensor/random.js';
import { HoltWinters, type HoltWintersOptions } from './holt-winters.js';
import { SequenceRegressor, type SequenceRegressorConfig } from './sequence-regressor.js';

/** One series' smoothing: its form and the unit its states are kept in. */
export interface SmoothingConfig extends HoltWintersOptions {
  /** HoltWinters.scale: the series' mean absolute value where it was initialised */
  scale: number;
}

/** The hybrid's network: one smoothing per series and the recurrent networks over the smoothed windows. */
export interface EsRnnConfig {
  /** every network of the ensemble has this configuration */
  network: SequenceRegressorConfig;
  /** networks in the ensemble (0: the smoothing alone) */
  networks: number;
  smoothing: SmoothingConfig[];
}

export class EsRnn extends Module {
  readonly smoothing: ModuleList<HoltWinters>;
  readonly networks: ModuleList<SequenceRegressor>;

  /** `rngs[k]` initialises network k (default: PyTorch-style init from a fixed seed each). */
  constructor(readonly networkConfig: SequenceRegressorConfig, networks: number, smoothing: SmoothingConfig[], rngs: Random[] = []) {
    super();
    if (!(Number.isInteger(networks) && networks >= 0)) throw new ConfigError(`EsRnn: networks must be an integer >= 0, got ${networks}`);
    this.smoothing = this.registerModule('smoothing', new ModuleList(smoothing.map(({ scale, ...o }) => {
      const hw = new HoltWinters(o);
      hw.scale = scale;
      return hw;
    })));
    this.networks = this.registerModule('networks', new ModuleList(Array.from({ length: networks }, (_, k) => new SequenceRegressor(networkConfig, rngs[k]))));
  }

  /** The configuration that rebuilds it (the scales as they are now). */
  get config(): EsRnnConfig {
    return {
      network: this.networkConfig,
      networks: this.networks.items.length,
      smoothing: this.smoothing.items.map((h) => ({ season: h.season, seasonal: h.seasonal, damped: h.damped, scale: h.scale })),
    };
  }

  /** Rebuilds the network (untrained) from its config. */
  static fromConfig(c: EsRnnConfig): EsRnn {
    return new EsRnn(c.network, c.networks, c.smoothing);
  }
}
