/** Classification metrics: accuracy, per-class precision, recall and F1, the confusion matrix. */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Accuracy, per-class precision, recall and F1, and the confusion matrix (rows: true class, columns: predicted). */
export interface ClassificationReport {
  accuracy: number;
  count: number;
  perClass: ClassMetrics[];
  /** confusion[i][j]: texts of class i predicted as class j */
  confusion: number[][];
  labels: string[];
}

/** Accuracy, per-class precision/recall/F1 and the confusion matrix. */
export function classificationReport(truth: number[], predicted: number[], labels: readonly string[]): ClassificationReport {
  const K = labels.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  truth.forEach((t, i) => { confusion[t]![predicted[i]!]!++; });
  const perClass = labels.map((label, k) => {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predictedK ? tp / predictedK : 0;
    const recall = support ? tp / support : 0;
    return { label, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  const correct = labels.reduce((a, _, k) => a + confusion[k]![k]!, 0);
  return { accuracy: truth.length ? correct / truth.length : 0, count: truth.length, perClass, confusion, labels: [...labels] };
}

/** The Levenshtein distance between two sequences: the fewest insertions, deletions and substitutions from one to the other. */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Character and word error rates of transcripts against references: the edit
 * distances summed over all pairs, divided by the references' total length
 * (characters; words split on spaces).
 */
export function errorRates(references: readonly string[], hypotheses: readonly string[]): { cer: number; wer: number } {
  let chars = 0;
  let charErrors = 0;
  let words = 0;
  let wordErrors = 0;
  references.forEach((ref, i) => {
    const hyp = hypotheses[i] ?? '';
    charErrors += editDistance(Array.from(ref), Array.from(hyp));
    chars += Array.from(ref).length;
    const w = (s: string): string[] => s.split(' ').filter((x) => x.length > 0);
    wordErrors += editDistance(w(ref), w(hyp));
    words += w(ref).length;
  });
  return { cer: chars ? charErrors / chars : 0, wer: words ? wordErrors / words : 0 };
}
