/**
 * ONNX in and out (`recurrent/onnx`): kept out of the main entries so that
 * protobuf is loaded, and bundled, only by applications that use ONNX.
 */
export { exportOnnx, ONNX_OPSET } from './interop/onnx/export.js';
export { importOnnx, readOnnxTensor, toNativeModel, OnnxModel, SUPPORTED_OPS, type GraphIO } from './interop/onnx/import.js';
