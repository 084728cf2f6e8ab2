/**
 * The entry for Node (what `import ... from 'recurrent-nn'` gives in Node, and
 * `recurrent/node` anywhere): everything in the browser-safe entry, plus model
 * folders on disk, written atomically and crash-safe (see io/fs.ts).
 */
export * from './index.js';
export {
  saveModel, saveModelFiles, loadModel, readModelFiles, writeFileAtomic, replaceFolder, recoverFolder, makeFolder, setFileOpHook, type FileOp, type FileOpHook,
} from './io/fs.js';
export { saveTextModel, loadTextModel } from './tasks/text/io.js';
export { saveForecaster, loadForecaster, loadForecastModel } from './tasks/forecast/io.js';
export { loadTfjsModel, readBytes } from './interop/files.js';
export { readDigits, SKLEARN_DIGITS_PATH } from './data/digits-file.js';
export { trainInFolder, textFolderState, type TextFolderState } from './tasks/text/io.js';
