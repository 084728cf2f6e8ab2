/**
 * recurrent: RNN, LSTM and GRU for TypeScript, trained with backpropagation
 * through time and checked against PyTorch.
 *
 * Layers, bottom up: tensor and kernels; nn modules (forward and backward side
 * by side); losses; optimisers and the training step; models; I/O.
 *
 * This entry is browser-safe: no Node module is imported, even lazily. Model
 * folders on disk come with the Node entry (`recurrent/node`, which is also
 * what `recurrent` resolves to in Node); ONNX with `recurrent/onnx`.
 */

// Errors
export {
  RecurrentError, ShapeError, ConfigError, DTypeError, NonFiniteError, NonFiniteLossError, FormatError, BackwardError, DataError, OutOfMemoryError, plural,
} from './errors.js';

// Tensors, randomness, kernels
export { Tensor, sizeOf, type NestedNumbers, type IndexTensor } from './tensor/tensor.js';
export { Random, defaultRandom, manualSeed } from './tensor/random.js';
export { kernels, setBackend, getBackend, getThreads, useKernels, jsKernels, type Kernels, type BackendName, type BackendOptions } from './kernels/index.js';
export type { KernelStepper, StepperSpec, StepLayerSpec } from './kernels/types.js';

// Modules
export { Module, type StateDict } from './nn/module.js';
export { Parameter } from './nn/parameter.js';
export { noGrad, isGradEnabled, gradInEval, isGradInEval, inEvalMode } from './nn/grad-mode.js';
export {
  Linear, Embedding, Dropout, Sequential, ModuleList,
  type Layer, type LinearOptions, type EmbeddingOptions,
} from './nn/layers.js';
export { Conv2d, MaxPool2d, ReLU, GlobalAvgPool2d, type Conv2dOptions, type MaxPool2dOptions, type Size2d } from './nn/conv.js';
export { AdaptiveLogSoftmaxWithLoss, type AdaptiveSoftmaxOptions, type AdaptiveSoftmaxOutput } from './nn/adaptive-softmax.js';
export {
  RecurrentBase,
  type RecurrentOptions, type RecurrentInit, type RecurrentForwardOptions, type RecurrentOutput, type LayerTrace,
  type RecurrentGradients, type RecurrentInputGradients, type RecurrentBackwardOptions,
} from './nn/recurrent/base.js';
export {
  LSTM, GRU, RNN, createRecurrent,
  type LSTMOptions, type LSTMOutput, type LSTMInputGradients, type RNNOptions, type GRUOptions,
} from './nn/recurrent/modules.js';
export { LSTMCell, GRUCell, RNNCell, type CellOptions, type CellState, type CellGradients } from './nn/recurrent/cells.js';
export { type CellKind, type CellFamily, type CellKindInfo, CELL_KINDS, CELL_NAMES, gateCount, cellFamily } from './kernels/cell-kinds.js';
/** Parameter initialisers, in place, as torch.nn.init: uniform, normal, Xavier, orthogonal. */
export * as init from './nn/init.js';

// Losses
export { crossEntropy, mseLoss, bceWithLogits, quantileLoss, type LossResult, type Reduction, type CrossEntropyOptions } from './losses/losses.js';
export { ctcLoss, type CtcOptions, type CtcReduction, type CtcResult } from './losses/ctc.js';

// Optimisers, clipping, schedules, training step
export { Optimizer, type OptimizerState } from './optim/optimizer.js';
export {
  SGD, Adam, AdamW, RMSprop, Adagrad, createOptimizer, optimizerOptionsFromTorch, OPTIMIZER_NAMES,
  type SGDOptions, type AdamOptions, type RMSpropOptions, type AdagradOptions, type OptimizerName, type OptimizerOptions,
} from './optim/optimizers.js';
export { clipGradNorm, clipGradValue, gradNorm } from './optim/clip.js';
export {
  StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau, type LRScheduler, type PlateauOptions,
} from './optim/schedulers.js';
export { Trainer, type TrainerOptions, type StepResult } from './train/trainer.js';

// Models
export { LanguageModel, type LanguageModelConfig, type AdaptiveHeadConfig, type RecurrentState } from './models/language-model.js';
export type { RecurrentStackConfig } from './models/recurrent-stack.js';

// I/O
export {
  parseSafetensors, serializeSafetensors, SafetensorsFile, type DType, type StoredTensor, type WritableTensor,
} from './io/safetensors.js';
export {
  modelToFiles, modelFromFiles, loadWeights, checkConfig, MODEL_FORMAT, MODEL_FORMAT_VERSION,
  registerModelType, modelTypes, modelEnvelope, checkTaskConfig, weightsToBytes, buildForWeights,
  type ModelFiles, type ModelConfigFile, type SavableModel, type LoadedModel, type ModelType, type ModelWithExtra, type JsonValue,
} from './io/model-files.js';

// Conformance against PyTorch fixtures
export { runFixture, formatResult, fixtureKind, FIXTURE_KINDS, type FixtureResult } from './conformance/fixtures.js';
export { compareArrays, ATOL, RTOL, type Comparison } from './conformance/compare.js';
export { TruncatedBPTT } from './train/tbptt.js';

// Data and tasks
export { Vocabulary, tokenize, detokenize, UNK, type TokenizerKind } from './data/vocabulary.js';
export { TokenStreams, type Chunk } from './data/streams.js';
export {
  TextGenerator, TEXT_DEFAULTS, ADAPTIVE_MIN_VOCAB, defaultCutoffs, type GenerateOptions, type TextModelOptions, type TextTrainOptions, type TrainHooks, type Progress, type HistoryEntry,
  type DataInfo, type ModelFolderFiles,
} from './tasks/text/generator.js';
export { checkResumeState, type TrainSettings, type RunTarget, type ResumeState } from './tasks/text/resume-state.js';
export { torchTrainerFiles, type TorchTrainerFiles, type TorchTrainerSettings } from './tasks/text/torch-trainer.js';
export { GenerationBatch, type SequenceRequest, type SequenceResult, type SequenceHandle, type TextModelView } from './tasks/text/generation-batch.js';
export { Sampler, sampleToken, logSoftmax, logSoftmaxInto, checkSampling, type SamplingOptions } from './decoding/sampling.js';
export { TokenDecoder } from './decoding/token-decoder.js';
export { beamSearch, beamSearchAll, type BeamOptions, type BeamStep, type Hypothesis } from './decoding/beam.js';
export { stackStates, stateRow } from './decoding/state-rows.js';
export { ctcGreedyDecode } from './decoding/ctc-greedy.js';
export { ctcBeamSearch, type CtcBeamOptions, type CtcHypothesis, type CtcLanguageModel } from './decoding/ctc-beam.js';

// Time series: CSV, forecasting, anomaly detection
export { parseTable, columnIndex, numericColumn, isMissingCell, isNumberCell, isValueColumn, MAX_VALUE, type Table } from './data/csv.js';
export { toSeries, groupTable, fillMissing, timeAt, describeFrequency, type Series, type SeriesOptions, type Frequency } from './data/timeseries.js';
export { SequenceRegressor, type SequenceRegressorConfig } from './models/sequence-regressor.js';
export { SequenceTagger, type SequenceTaggerConfig, type TaggerState } from './models/sequence-tagger.js';
export { HoltWinters, type HoltWintersOptions, type Seasonality, type SmoothingCoefficients, type SmoothingPass } from './models/holt-winters.js';
export { EsRnn, type EsRnnConfig, type SmoothingConfig } from './models/es-rnn.js';
export {
  HybridForecaster, HYBRID_DEFAULTS, hybridSpans, type HybridOptions, type HybridTrainOptions, type NamedSeries, type SeriesForecast,
  type HybridEvaluation, type HybridSeriesEvaluation, type HybridSeriesInfo, type HybridHistoryEntry,
} from './tasks/forecast/hybrid.js';
export { fitEtsBaseline, type EtsChoice } from './tasks/forecast/ets.js';
export {
  Forecaster, FORECAST_DEFAULTS, type ForecastOptions, type ForecastTrainOptions, type ForecastProgress, type ForecastHistoryEntry, type ForecastStrategy,
  type Forecast, type TargetForecast, type Evaluation, type TargetEvaluation, type SeriesInfo, type Spans,
} from './tasks/forecast/forecaster.js';
export { type Accuracy, AccuracyMeter, defaultSeason, naiveScale, naiveForecast, seasonalNaiveForecast } from './tasks/forecast/metrics.js';
export { type Scaler } from './tasks/forecast/features.js';
export {
  AnomalyDetector, DETECT_DEFAULTS, rollingZScore, detectionMetrics, thresholdScores, movingMax,
  type DetectOptions, type Detection, type DetectionMetrics,
} from './tasks/anomaly/detector.js';

// Interop: PyTorch state dicts
export { importTorch, exportTorch, torchStateDict, inferRecurrent, torchModuleSource, renameHead, type TorchImportOptions, type InferredRecurrent } from './interop/torch.js';
export { importTfjs, KerasModel, type TfjsModelJson } from './interop/keras.js';

// Classification (text)
export { Seq2Seq, type Seq2SeqConfig } from './models/seq2seq.js';
export { CaptionModel, type CaptionerConfig, type EncodedImages } from './models/captioner.js';
export { DotAttention, type AttentionOutput } from './nn/attention.js';
export { SequenceClassifier, type SequenceClassifierConfig, type Pooling } from './models/sequence-classifier.js';
export { parseLabelled, wordTokens, WordVocabulary, PAD, type LabelledTexts } from './data/labelled-text.js';
export { splitIndices, type DataSplit } from './data/split.js';
export { addingProblem, ADDING_GUESS_MSE, copyMemory, copyGuessLoss, copyRecalled, COPY_LENGTH, COPY_SYMBOLS, COPY_VOCAB } from './data/memory-tasks.js';
export { parseDigits, pixelPermutation, pixelSequences, DIGIT_PIXELS, type Digits } from './data/digits.js';
export {
  runMemoryTask, MemoryRun, type MemoryTrainOptions, hiddenSizeFor, gateInitOptions, MEMORY_TASKS, GATE_INITS, SOLVED_RATIO, curriculumLengths,
  type MemoryTaskName, type GateInit, type MemoryRunConfig, type MemoryResult, type MemoryPoint,
} from './tasks/memory/memory-task.js';
export {
  stateGradientNorms, decayPerStep, languageModelGradients, regressorGradients, connectivity, languageModelConnectivity,
  type StateGradients, type ConnectivityOptions,
} from './inspect/gradients.js';
export { textProperties, cellCorrelations, bestCells, type TextProperty, type BestCell } from './inspect/activations.js';
export { traceLanguageModel, traceRegressor, languageModelActivations } from './inspect/trace.js';
export { spectralRadius } from './inspect/spectral.js';
export { corpusBleu, type BleuResult } from './data/bleu.js';
export {
  generateScenes, sceneCaptions, sceneSvg, readScene, sceneAccuracy, HELD_OUT_COMBINATIONS, SCENE_COLOURS, SCENE_SHAPES, SCENE_SIZES,
  type Scene, type SceneObject, type SceneOptions, type SceneReading, type SceneAccuracy, type SceneColour, type SceneShapeKind, type SceneSize, type SceneRelation,
} from './data/scenes.js';
export { imageToPlanes, type RgbaImage } from './image/pixels.js';
export {
  Captioner, CAPTION_DEFAULTS, type CaptionExample, type CaptionerOptions, type CaptionTrainOptions, type CaptionProgress, type CaptionOptions, type CaptionResult,
} from './tasks/caption/captioner.js';
export { classificationReport, editDistance, errorRates, type ClassificationReport, type ClassMetrics } from './data/metrics.js';
export { Ensemble, trainMembers, type ProbabilityModel } from './tasks/ensemble.js';
export { TextClassifier, ClassifierEnsemble, CLASSIFIER_DEFAULTS, type ClassifierOptions, type ClassifierTrainOptions, type ClassifierProgress } from './tasks/classify/classifier.js';
export { Translator, TRANSLATOR_DEFAULTS, chooseTokenizer, parsePairs, pairTokens, joinTokens, type Pair, type PairTokenizer, type TranslatorOptions, type TranslateOptions, type Translation } from './tasks/translate/translator.js';

// Audio and spoken words
export { parseWav, type Audio } from './audio/wav.js';
export {
  mfcc, cepstra, trimSilence, speechSpan, framesToSamples, normaliseFrames, normaliseFeatures, withDeltas, featureStats, startRunningStats, runningNormalise,
  type FeatureOptions, type Features, type FeatureStats, type RunningStats,
} from './audio/features.js';
export { AUGMENT_DEFAULTS, augmentOptions, augmentedMfcc, resample, addNoise, perturbAudio, maskBands, maskFrames, type AugmentOptions } from './audio/augment.js';
export { SpokenWordRecognizer, SpokenWordEnsemble, SPEECH_DEFAULTS, type SpeechOptions, type SpeechTrainOptions, type LabelledAudio } from './tasks/speech/recognizer.js';
export { TranscriptStream } from './tasks/speech/transcript-stream.js';
export {
  Transcriber, TRANSCRIBE_DEFAULTS, normaliseTranscript, type TranscribeOptions, type TranscriberOptions, type TranscribedAudio, type TranscriberTrainOptions, type TranscriberProgress,
} from './tasks/speech/transcriber.js';
export { characterLanguageModel } from './tasks/speech/lm-fusion.js';
export { KeepBest } from './train/keep-best.js';
export {
  fit, ranksAbove, type FitTask, type FitOptions, type FitHooks, type FitStep, type FitEval, type FitResult, type Validation,
} from './train/fit.js';
