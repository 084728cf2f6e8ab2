/**
 * One TensorFlow.js training step as ours takes it: softmax cross-entropy,
 * gradients clipped to a global norm (PyTorch's clip_grad_norm_: scaled by
 * max / (norm + 1e-6) when the norm is larger), then Adam. tfjs' optimizers
 * cannot clip, so the step is written out (tf.variableGrads, the norm,
 * applyGradients) instead of model.trainOnBatch.
 */
import * as tf from '@tensorflow/tfjs';

export function clippedAdamStep(model: tf.LayersModel, optimizer: tf.Optimizer, maxNorm: number): (x: tf.Tensor, y: tf.Tensor) => Promise<void> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return async (x, y) => {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, tf.mul(g, scale)])));
      return value;
    });
    await loss.data();
    loss.dispose();
  };
}
