// Runs the suite without Gradle (scripts/kotlin-test): prints "N passed, N failed" and exits
// non-zero on any failure or if no test ran.
package app.relaydesk

import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import kotlin.system.exitProcess

fun main() {
    val result = JUnitCore().run(RelaydeskClientTest::class.java)
    result.failures.forEach { failure: Failure ->
        println("FAIL ${failure.testHeader}: ${failure.message}")
        println(failure.trace)
    }
    val passed = result.runCount - result.failureCount
    println("$passed passed, ${result.failureCount} failed")
    exitProcess(if (result.wasSuccessful() && result.runCount > 0) 0 else 1)
}
