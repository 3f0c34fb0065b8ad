//! The UniFFI binding generator, built from the same uniffi version as the library (the
//! generated code checks that at load time).

fn main() {
    uniffi::uniffi_bindgen_main()
}
