// The API reference of recurrent-nn (`npm run docs` writes docs/api), built from the doc comments.
// Every exported symbol must have one: validation warnings are errors, and test/api-docs.test.ts
// runs this check in `npm test`.
import { OptionDefaults } from 'typedoc';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  name: 'recurrent-nn',
  entryPoints: ['packages/recurrent/src/index.ts', 'packages/recurrent/src/node.ts', 'packages/recurrent/src/onnx.ts'],
  tsconfig: 'packages/recurrent/tsconfig.build.json',
  out: 'docs/api',
  readme: 'packages/recurrent/README.md',
  excludePrivate: true,
  excludeInternal: true,
  excludeExternals: true,
  disableSources: true,
  validation: { notExported: false, invalidLink: true, notDocumented: true },
  requiredToBeDocumented: ['Class', 'Function', 'Variable', 'Interface', 'TypeAlias', 'Enum', 'Namespace'],
  treatValidationWarningsAsErrors: true,
  logLevel: 'Warn',
  // onnx_pb.ts is generated: protoc-gen-es marks each message @generated.
  blockTags: [...OptionDefaults.blockTags, '@generated'],
};
