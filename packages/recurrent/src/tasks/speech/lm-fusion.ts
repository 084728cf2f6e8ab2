/**
 * A character language model (a `recurrent train` model: LanguageModel +
 * character Vocabulary) as the CTC beam search's language model over a
 * transcriber's classes. Transcripts are lower case: a class's probability
 * is that of its character in either case (a space: a space or a line
 * break). The model starts as after a line break, the start of a line of
 * its text.
 */
import { ConfigError } from '../../errors.js';
import type { Vocabulary } from '../../data/vocabulary.js';
import type { CtcLanguageModel } from '../../decoding/ctc-beam.js';
import { logSoftmaxInto } from '../../tensor/log-space.js';
import { stackStates, stateRow } from '../../decoding/state-rows.js';
import type { LanguageModel, RecurrentState } from '../../models/language-model.js';
import { noGrad } from '../../nn/grad-mode.js';

/** classes: class k's character (class 0, the blank, is null). */
export function characterLanguageModel(model: LanguageModel, vocab: Vocabulary, classes: ReadonlyArray<string | null>): CtcLanguageModel<RecurrentState> {
  if (vocab.kind !== 'char') throw new ConfigError('the language model must read characters (a `recurrent train` model with the char tokenizer), not words');
  if (model.config.bidirectional) throw new ConfigError('the language model must read left to right, not both ways');
  // Each class: the vocabulary ids it stands for, and the id fed back when it is chosen.
  const forms = classes.map((ch) => {
    if (ch === null) return { ids: [] as number[], feed: -1 };
    const variants = ch === ' ' ? [' ', '\n'] : [ch, ch.toUpperCase()];
    const ids = [...new Set(variants.map((v) => vocab.id(v)).filter((id): id is number => id !== undefined))];
    return { ids, feed: ids[0] ?? -1 };
  });
  const missing = classes.filter((ch, k) => ch !== null && forms[k]!.ids.length === 0);
  if (missing.length) throw new ConfigError(`the language model has never seen ${missing.map((c) => JSON.stringify(c)).join(', ')}, which the transcriber writes`);
  const startId = vocab.id('\n') ?? vocab.id(' ');
  if (startId === undefined) throw new ConfigError('the language model knows neither a line break nor a space to start from');

  // One batched step: tokens (B,1) from a state (null: zeros) -> log P over the classes, and each row's state after.
  const run = (from: RecurrentState | null, ids: number[]): Array<{ state: RecurrentState; logProbs: Float64Array }> => noGrad(() => {
    model.eval();
    const { logits, state } = model.forward({ data: Int32Array.from(ids), shape: [ids.length, 1] }, from);
    const V = model.config.vocabSize;
    const row = new Float64Array(V);
    return ids.map((_, b) => {
      logSoftmaxInto(logits.data, b * V, V, 1, row);
      const logProbs = Float64Array.from(forms, (f) => {
        let p = 0;
        for (const id of f.ids) p += Math.exp(row[id]!);
        return f.ids.length ? Math.log(p) : -Infinity;
      });
      return { state: stateRow(state, b), logProbs };
    });
  });

  return {
    start: () => run(null, [startId])[0]!,
    step: (states, labels) => run(stackStates(states), labels.map((k) => forms[k]!.feed)),
  };
}
