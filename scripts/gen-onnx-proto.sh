#!/usr/bin/env bash
# Regenerates packages/recurrent/src/interop/onnx/onnx_pb.ts, the ONNX messages
# for @bufbuild/protobuf, from the onnx.proto that Debian's python3-onnx ships.
# Needs protoc (Debian protobuf-compiler); protoc-gen-es is fetched into a
# temporary folder, so it is no dependency of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
proto=${1:-/usr/lib/python3/dist-packages/onnx/onnx.proto}
version=$(/usr/bin/python3 -c 'import onnx; print(onnx.__version__)' 2>/dev/null || echo unknown)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$proto" "$tmp/onnx.proto"
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @bufbuild/protoc-gen-es@2.17.0 >/dev/null)
mkdir -p "$tmp/out"
protoc --plugin=protoc-gen-es="$tmp/node_modules/.bin/protoc-gen-es" --es_out="$tmp/out" --es_opt=target=ts,import_extension=js -I "$tmp" "$tmp/onnx.proto"
out=packages/recurrent/src/interop/onnx/onnx_pb.ts
{
  echo "// Generated from ONNX ${version}'s onnx.proto (Debian python3-onnx) by protoc-gen-es 2.17.0: scripts/gen-onnx-proto.sh. Do not edit."
  echo '/* eslint-disable */'
  cat "$tmp/out/onnx_pb.ts"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"
