// What the Kotlin suite runs against: a real Relaydesk server process (the `relaydesk`
// binary, SQLite in a temp dir) that can be stopped and started like a network going away,
// seeded with `relaydesk admin`, and a fake WhatsApp Graph API inside the JVM; and the demo
// (`relaydesk serve --demo` on loopback), whose workspace holds what its rule did overnight.
package app.relaydesk

import com.sun.net.httpserver.HttpServer
import uniffi.relaydesk_ffi.*
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Path
import java.util.Collections
import java.util.concurrent.TimeUnit
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

const val SECRET = "kotlin-suite-app-secret"
const val NUMBER = "410593826617204"
const val PASSWORD = "correct horse battery"

fun <T> eq(actual: T, expected: T, what: String = "") {
    if (actual != expected) throw AssertionError("$what expected <$expected> but was <$actual>")
}

fun until(what: String, seconds: Long = 30, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
    while (!condition()) {
        if (System.nanoTime() > deadline) throw AssertionError("$what did not happen")
        Thread.sleep(100)
    }
}

/** The server process, started and stopped like a network coming and going. */
class Server(private val bin: String, private val data: Path, private val graphBase: String) {
    val port: Int = ServerSocket(0).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private var process: Process? = null

    fun admin(vararg args: String): String {
        val p = ProcessBuilder(listOf(bin, "admin", "--data-dir", data.toString()) + args)
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        if (p.waitFor() != 0) throw AssertionError("relaydesk admin ${args.toList()}: $out")
        return out
    }

    fun start() {
        val p = ProcessBuilder(
            bin, "serve", "--listen", "127.0.0.1:$port", "--data-dir", data.toString(),
            "--whatsapp-app-secret", SECRET, "--whatsapp-access-token", "kotlin-suite-token",
            "--graph-api-base", graphBase,
        ).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        val line = p.inputStream.bufferedReader().readLine() ?: throw AssertionError("the server did not start")
        if (!line.startsWith("relaydesk listening on")) throw AssertionError("unexpected: $line")
        Thread { p.inputStream.readAllBytes() }.apply { isDaemon = true }.start()
        process = p
    }

    fun stop() {
        process?.let { it.destroy(); it.waitFor(30, TimeUnit.SECONDS) }
        process = null
    }

    /** A customer writes to the number, through the signed webhook route. */
    fun customerWrites(phone: String, text: String) {
        val body = """{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"12125550142","phone_number_id":"$NUMBER"},"contacts":[{"profile":{"name":"Customer $phone"},"wa_id":"$phone"}],"messages":[{"from":"$phone","id":"wamid.KT${System.nanoTime()}","timestamp":"${System.currentTimeMillis() / 1000}","type":"text","text":{"body":"$text"}}]}}]}]}"""
        val mac = Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(SECRET.toByteArray(), "HmacSHA256")) }
        val signature = "sha256=" + mac.doFinal(body.toByteArray()).joinToString("") { "%02x".format(it) }
        val request = HttpRequest.newBuilder(URI("$url/webhooks/whatsapp"))
            .header("content-type", "application/json").header("x-hub-signature-256", signature)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build()
        val answer = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString())
        eq(answer.statusCode(), 200, "webhook")
    }
}

/** `relaydesk serve --demo` on a free loopback port (the demo must never listen beyond it). */
class DemoServer(bin: String, data: Path) {
    private val process: Process = ProcessBuilder(
        bin, "serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir", data.toString(),
    ).redirectError(ProcessBuilder.Redirect.DISCARD).start()
    val url: String

    init {
        val line = process.inputStream.bufferedReader().readLine() ?: throw AssertionError("the demo did not start")
        url = line.removePrefix("relaydesk listening on ").takeIf { it != line } ?: throw AssertionError("unexpected: $line")
        Thread { process.inputStream.readAllBytes() }.apply { isDaemon = true }.start()
    }

    fun stop() {
        process.destroy()
        process.waitFor(30, TimeUnit.SECONDS)
    }
}

class Heard : UiListener {
    val calls: MutableList<String> = Collections.synchronizedList(mutableListOf())
    override fun queueChanged() { calls.add("queue") }
    override fun threadChanged(conversationId: String) { calls.add("thread $conversationId") }
    override fun outboxChanged() { calls.add("outbox") }
    override fun liveChanged(state: LiveState) { calls.add("live $state") }
}

/** A fake Graph API: records every POST, answers each with a new wamid. */
class FakeGraph {
    val sent: MutableList<String> = Collections.synchronizedList(mutableListOf())
    private val http = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange ->
            val body = String(exchange.requestBody.readAllBytes())
            if (exchange.requestMethod == "POST") sent.add(body)
            val reply = """{"messaging_product":"whatsapp","messages":[{"id":"wamid.OUT${System.nanoTime()}"}],"data":[]}"""
            exchange.sendResponseHeaders(200, reply.length.toLong())
            exchange.responseBody.use { it.write(reply.toByteArray()) }
        }
        start()
    }
    val url = "http://127.0.0.1:${http.address.port}"
    fun stop() = http.stop(0)
}

/** The team REST API, to check what the server holds (JSON read as compact text). */
class Rest(private val url: String) {
    private val http = HttpClient.newHttpClient()

    /** Signs in as `email` and answers the session's bearer token. */
    fun token(email: String): String {
        val request = HttpRequest.newBuilder(URI("$url/api/v1/auth/login"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("""{"email":"$email","password":"$PASSWORD","device":"kotlin rest"}""")).build()
        val answer = http.send(request, HttpResponse.BodyHandlers.ofString())
        eq(answer.statusCode(), 200, "login")
        return Regex("\"token\":\"([^\"]+)\"").find(answer.body())?.groupValues?.get(1)
            ?: throw AssertionError("no token in ${answer.body()}")
    }

    /** GET `path` with `token`; answers the body of a 200. */
    fun get(path: String, token: String): String {
        val request = HttpRequest.newBuilder(URI("$url$path")).header("authorization", "Bearer $token").GET().build()
        val answer = http.send(request, HttpResponse.BodyHandlers.ofString())
        eq(answer.statusCode(), 200, "GET $path")
        return answer.body()
    }
}
