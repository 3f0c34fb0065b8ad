#!/usr/bin/env bash
# Builds Relaydesk for iOS: the Rust core as a static library for devices and simulators
# (profile `mobile`), the Swift bindings from the workspace's own uniffi-bindgen, and
# RelaydeskFFI.xcframework that Package.swift exposes.
#
# Needs macOS with Xcode 15+, and Rust targets aarch64-apple-ios, aarch64-apple-ios-sim,
# x86_64-apple-ios (`rustup target add …`). Not runnable on the Linux machine this repository
# is developed on (no Swift or Xcode there); its C header is checked by scripts/bindings-check.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-target}"
for target in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  cargo build --profile mobile -p relaydesk-ffi --target "$target"
done
GEN=ios/build/generated
rm -rf ios/build && mkdir -p "$GEN" ios/build/sim
cargo run -p relaydesk-ffi --features cli --bin uniffi-bindgen -- generate \
  --library "$TARGET/aarch64-apple-ios/mobile/librelaydesk_ffi.a" --language swift --out-dir "$GEN"
# The simulator slice: one fat library for Apple silicon and Intel simulators.
lipo -create \
  "$TARGET/aarch64-apple-ios-sim/mobile/librelaydesk_ffi.a" \
  "$TARGET/x86_64-apple-ios/mobile/librelaydesk_ffi.a" \
  -output ios/build/sim/librelaydesk_ffi.a
mkdir -p "$GEN/headers"
cp "$GEN/relaydesk_ffiFFI.h" "$GEN/headers/"
cp "$GEN/relaydesk_ffiFFI.modulemap" "$GEN/headers/module.modulemap"
xcodebuild -create-xcframework \
  -library "$TARGET/aarch64-apple-ios/mobile/librelaydesk_ffi.a" -headers "$GEN/headers" \
  -library ios/build/sim/librelaydesk_ffi.a -headers "$GEN/headers" \
  -output ios/build/RelaydeskFFI.xcframework
cp "$GEN/relaydesk_ffi.swift" ios/Sources/Relaydesk/relaydesk_ffi.swift
echo "ios/build/RelaydeskFFI.xcframework and ios/Sources/Relaydesk/relaydesk_ffi.swift are ready"
