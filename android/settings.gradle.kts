// Relaydesk for Android: the library module (native core + generated Kotlin) and a sample app.
// Not built on the development machine of this repository (no Android SDK can be installed
// there); the Kotlin tests in relaydesk/src/test run on a desktop JVM via scripts/kotlin-test.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "relaydesk-android"
include(":relaydesk", ":sample")
