/**
 * Several models of one kind, trained alike from different seeds, their
 * class probabilities averaged: where the members' mistakes differ (small
 * data sets, speech from a voice never heard), the average is right more
 * often than any one of them. Browser-safe.
 */
import { ConfigError } from '../errors.js';

/** What an ensemble averages: a model that gives each input a probability for each of its labels. */
export interface ProbabilityModel<X> {
  readonly labels: readonly string[];
  /** one row per input, one probability per label, in `labels`' order */
  predictProbabilities(inputs: X[]): number[][];
}

/** Members whose probabilities are averaged: predictions of the average, and accuracy. */
export class Ensemble<X, M extends ProbabilityModel<X>> {
  constructor(readonly members: M[]) {
    if (members.length === 0) throw new ConfigError('an ensemble needs at least one member');
    const labels = members[0]!.labels.join('\n');
    const other = members.findIndex((m) => m.labels.join('\n') !== labels);
    if (other >= 0) throw new ConfigError(`ensemble member ${other} has the labels ${members[other]!.labels.join(', ')}, member 0 ${members[0]!.labels.join(', ')}`);
  }

  get labels(): readonly string[] {
    return this.members[0]!.labels;
  }

  /** The members' probabilities, averaged. */
  predictProbabilities(inputs: X[]): number[][] {
    return this.average(this.members.map((m) => m.predictProbabilities(inputs)));
  }

  /** Each member's (inputs x labels) probabilities, averaged. */
  protected average(all: number[][][]): number[][] {
    return all[0]!.map((_, i) => this.labels.map((_, k) => all.reduce((a, p) => a + p[i]![k]!, 0) / all.length));
  }

  /** The most likely label of each input. */
  predict(inputs: X[]): string[] {
    return this.predictProbabilities(inputs).map((p) => this.labels[p.indexOf(Math.max(...p))]!);
  }
}

/** Trains `size` members, the i-th from seed `seed + i`, one after another. */
export async function trainMembers<M>(size: number, seed: number, trainOne: (seed: number) => Promise<M>, onMember?: (i: number, member: M) => void): Promise<M[]> {
  if (!(Number.isInteger(size) && size >= 1)) throw new ConfigError(`ensemble size must be a positive integer, got ${size}`);
  const members: M[] = [];
  for (let i = 0; i < size; i++) {
    const m = await trainOne(seed + i);
    members.push(m);
    onMember?.(i, m);
  }
  return members;
}
