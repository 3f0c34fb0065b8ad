/* Links the Relaydesk library through the C header the Swift bindings use, and calls one
   exported function: proof that the header and the library agree (Swift itself cannot be
   compiled on this machine). Prints the core version; exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>
#include "relaydesk_ffiFFI.h"

int main(void) {
    RustCallStatus status;
    memset(&status, 0, sizeof status);
    RustBuffer version = uniffi_relaydesk_ffi_fn_func_core_version(&status);
    if (status.code != 0) {
        fprintf(stderr, "core_version failed with code %d\n", status.code);
        return 1;
    }
    if (version.len == 0 || version.len > 64) {
        fprintf(stderr, "unexpected version length %llu\n", (unsigned long long)version.len);
        return 1;
    }
    /* The buffer holds a UTF-8 string, as lifted by the generated Swift. */
    printf("relaydesk core %.*s\n", (int)version.len, (const char *)version.data);
    RustCallStatus free_status;
    memset(&free_status, 0, sizeof free_status);
    ffi_relaydesk_ffi_rustbuffer_free(version, &free_status);
    return free_status.code == 0 ? 0 : 1;
}
