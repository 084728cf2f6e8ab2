"""Corpus BLEU reference values from NLTK, for test/caption.test.ts.

Run with Debian's python3-nltk (for the system python3):
    /usr/bin/python3 scripts/make-bleu-cases.py > test/reference/bleu-nltk.json
The output is committed; tests never call Python.
"""
import json
import random
import warnings

from nltk.translate.bleu_score import corpus_bleu

warnings.simplefilter("ignore")  # NLTK warns when an order has no match; the value (about 1e-77) is what is checked
WORDS = "a small large red green blue yellow circle square triangle left right of above below and to the".split()


def case(name, refs, hyps):
    return {"name": name, "references": refs, "hypotheses": hyps, "bleu": corpus_bleu(refs, hyps),
            "bleu2": corpus_bleu(refs, hyps, weights=(0.5, 0.5))}


def main():
    rng = random.Random(5)
    cases = [
        case("identical", [[["a", "small", "red", "circle"]]], [["a", "small", "red", "circle"]]),
        case("two references, the closer length counts", [[["a", "red", "circle", "left", "of", "a", "blue", "square"], ["a", "red", "circle", "to", "the", "left", "of", "a", "blue", "square"]]],
             [["a", "red", "circle", "left", "of", "the", "blue", "square", "and"]]),
        case("short hypothesis: brevity penalty", [[["a", "small", "red", "circle", "above", "a", "large", "green", "triangle"]]], [["a", "small", "red", "circle", "above"]]),
        case("clipped repeats", [[["the", "cat", "is", "on", "the", "mat"]], [["there", "is", "a", "cat", "on", "the", "mat"]]], [["the", "the", "the", "the", "the", "the"], ["a", "cat", "on", "the", "mat"]]),
        case("no 4-gram match scores zero", [[["a", "b", "c", "d", "e"]]], [["a", "b", "c", "x", "d"]]),
        case("a hypothesis shorter than the order", [[["a", "red", "square"]], [["a", "small", "blue", "circle", "below", "a", "yellow", "square"]]], [["a", "red"], ["a", "small", "blue", "circle", "below", "a", "yellow", "square"]]),
        case("empty hypothesis among others", [[["a", "red", "square"]], [["a", "large", "green", "circle", "right", "of", "a", "small", "blue", "triangle"]]], [[], ["a", "large", "green", "circle", "right", "of", "a", "small", "blue", "triangle"]]),
    ]
    refs, hyps = [], []
    for _ in range(60):
        n = rng.randint(1, 3)
        r = [[rng.choice(WORDS) for _ in range(rng.randint(3, 12))] for _ in range(n)]
        h = list(r[0])
        for _ in range(rng.randint(0, 4)):  # a few edits of the first reference
            k = rng.randrange(len(h))
            op = rng.random()
            if op < 0.4:
                h[k] = rng.choice(WORDS)
            elif op < 0.7:
                del h[k]
                if not h:
                    h = [rng.choice(WORDS)]
            else:
                h.insert(k, rng.choice(WORDS))
        refs.append(r)
        hyps.append(h)
    cases.append(case("random corpus of 60 edited sentences", refs, hyps))
    print(json.dumps(cases, indent=1))


if __name__ == "__main__":
    main()
