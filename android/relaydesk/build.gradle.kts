// The Relaydesk Android library: builds the Rust core for the phone ABIs with cargo-ndk
// (profile `mobile`: small, panics still caught), generates the Kotlin bindings with the
// workspace's own uniffi-bindgen (same uniffi version as the library), and packages both.
//
// Needs: Android SDK + NDK r26+, Rust with the targets aarch64-linux-android,
// armv7-linux-androideabi, x86_64-linux-android (`rustup target add …`), and
// `cargo install cargo-ndk`.
import org.gradle.api.tasks.Exec

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val workspace = rootDir.parentFile
val jniOut = layout.buildDirectory.dir("jniLibs")
val generated = layout.buildDirectory.dir("generated/uniffi")

android {
    namespace = "app.relaydesk"
    compileSdk = 35
    defaultConfig {
        minSdk = 26
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].jniLibs.srcDir(jniOut)
    sourceSets["main"].java.srcDir(generated)
    // The JVM tests load the host library built by `cargo build -p relaydesk-ffi`.
    testOptions.unitTests.all {
        it.systemProperty("jna.library.path", File(workspace, "target/debug").path)
        it.systemProperty("relaydesk.bin", File(workspace, "target/debug/relaydesk").path)
    }
    kotlinOptions { jvmTarget = "17" }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

val buildNative by tasks.registering(Exec::class) {
    workingDir = workspace
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniOut.get().asFile.path,
        "build", "--profile", "mobile", "-p", "relaydesk-ffi",
    )
}

val generateBindings by tasks.registering(Exec::class) {
    dependsOn(buildNative)
    workingDir = workspace
    commandLine(
        "cargo", "run", "-p", "relaydesk-ffi", "--features", "cli", "--bin", "uniffi-bindgen", "--",
        "generate", "--library", File(jniOut.get().asFile, "arm64-v8a/librelaydesk_ffi.so").path,
        "--language", "kotlin", "--out-dir", generated.get().asFile.path,
    )
}

tasks.named("preBuild") { dependsOn(generateBindings) }

dependencies {
    implementation("net.java.dev.jna:jna:5.13.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.0")
    testImplementation("net.java.dev.jna:jna:5.13.0")
    testImplementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.0")
    testImplementation(kotlin("test-junit"))
    testImplementation("junit:junit:4.13.2")
}
