/** Classification metrics: accuracy, per-class precision, recall and F1, the confusion matrix. */

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

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
