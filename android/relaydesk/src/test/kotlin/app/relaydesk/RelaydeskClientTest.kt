// Two phones against a real Relaydesk server, through the generated Kotlin API, on a desktop
// JVM. The server (the `relaydesk` binary, SQLite in a temp dir, no demo) is started and
// stopped by this suite; a fake WhatsApp Graph API runs in-process (the JDK's HttpServer).
// Prints "N passed, N failed"; exits non-zero on any failure or if no test ran.
package app.relaydesk

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import uniffi.relaydesk_ffi.*
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.Path
import java.util.Collections
import java.util.concurrent.TimeUnit
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlin.system.exitProcess

const val SECRET = "kotlin-suite-app-secret"
const val NUMBER = "410593826617204"
const val PASSWORD = "correct horse battery"

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try {
        body(); passed++; println("ok   $name")
    } catch (e: Throwable) {
        failed++; println("FAIL $name: $e"); e.printStackTrace()
    }
}

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

class Heard : UiListener {
    val calls: MutableList<String> = Collections.synchronizedList(mutableListOf())
    override fun queueChanged() { calls.add("queue") }
    override fun threadChanged(conversationId: String) { calls.add("thread $conversationId") }
    override fun outboxChanged() { calls.add("outbox") }
    override fun liveChanged(state: LiveState) { calls.add("live $state") }
}

fun main(args: Array<String>) {
    val bin = args.firstOrNull() ?: System.getenv("RELAYDESK_BIN") ?: throw IllegalArgumentException("pass the relaydesk binary")
    val work = Files.createTempDirectory("relaydesk-kotlin")
    val sent: MutableList<String> = Collections.synchronizedList(mutableListOf())
    val graph = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    graph.createContext("/") { exchange ->
        val body = String(exchange.requestBody.readAllBytes())
        if (exchange.requestMethod == "POST") sent.add(body)
        val reply = """{"messaging_product":"whatsapp","messages":[{"id":"wamid.OUT${System.nanoTime()}"}],"data":[]}"""
        exchange.sendResponseHeaders(200, reply.length.toLong())
        exchange.responseBody.use { it.write(reply.toByteArray()) }
    }
    graph.start()
    val server = Server(bin, work.resolve("server"), "http://127.0.0.1:${graph.address.port}")
    server.admin("create-team", "--name", "North")
    server.admin("add-inbox", "--name", "Main", "--phone-number-id", NUMBER, "--display-phone-number", "12125550142", "--waba-id", "310984726155302", "--team", "North")
    server.admin("create-user", "--email", "ana@example.test", "--name", "Ana", "--role", "agent", "--team", "North", "--password", PASSWORD)
    server.admin("create-user", "--email", "bruno@example.test", "--name", "Bruno", "--role", "agent", "--team", "North", "--password", PASSWORD)
    val saraOut = server.admin("create-user", "--email", "sara@example.test", "--name", "Sara", "--role", "supervisor", "--team", "North", "--password", PASSWORD)
    val saraId = saraOut.trim().substringAfterLast("id ").trim()
    server.start()

    val ana = RelaydeskClient(server.url, work.resolve("ana").toString())
    val sara = RelaydeskClient(server.url, work.resolve("sara").toString())
    val bruno = RelaydeskClient(server.url, work.resolve("bruno").toString())
    val heard = Heard()
    var conversation = ""

    check("a wrong password is a typed exception") {
        try {
            runBlocking { ana.login("ana@example.test", "not the password", "kotlin") }
            throw AssertionError("no exception")
        } catch (e: AppException.Rejected) {
            eq(e.code, "invalid_credentials")
        }
    }
    check("an agent signs in, syncs and sees the unassigned view") {
        val me = runBlocking { ana.login("ana@example.test", PASSWORD, "kotlin phone") }
        eq(me.role, "agent")
        server.customerWrites("5511900000201", "hello from the JVM")
        runBlocking { ana.sync() }
        val page = ana.view(QueueView.UNASSIGNED, QueueOrder.LONGEST_WAITING, 50u)
        eq(page.conversations.size, 1, "unassigned rows")
        eq(page.counts.first { it.view == QueueView.UNASSIGNED }.count, 1uL, "count")
        conversation = page.conversations[0].id
    }
    check("a listener hears the claim, and a stopped handle hears nothing more") {
        val handle = ana.subscribe(heard)
        runBlocking { ana.claimNow(conversation) }
        until("outbox and queue calls") { heard.calls.contains("outbox") && heard.calls.contains("queue") }
        eq(heard.calls.contains("thread $conversation"), true, "thread call")
        handle.stop()
        heard.calls.clear()
        ana.addNote(conversation, "called the customer")
        eq(heard.calls.isEmpty(), true, "no calls after stop")
    }
    check("a rejected claim is a typed exception naming the owner") {
        runBlocking { bruno.login("bruno@example.test", PASSWORD, "kotlin phone 2"); bruno.sync() }
        try {
            runBlocking { bruno.claimNow(conversation) }
            throw AssertionError("no exception")
        } catch (e: AppException.Rejected) {
            eq(e.code, "already_owned")
            if (!e.reason.contains("Ana")) throw AssertionError("names the owner: ${e.reason}")
        }
    }
    check("a reply written while the server is away waits, then is applied and reaches WhatsApp") {
        server.stop()
        val id = ana.reply(conversation, "On it, one moment")
        eq(ana.outbox().first { it.mutationId == id }.state, CommandState.QUEUED)
        try {
            runBlocking { ana.sync() }
            throw AssertionError("no exception")
        } catch (e: AppException.NetworkUnavailable) { /* expected */ }
        eq(ana.outbox().first { it.mutationId == id }.state, CommandState.QUEUED, "still queued")
        server.start()
        runBlocking { ana.sync() }
        eq(ana.outbox().first { it.mutationId == id }.state, CommandState.APPLIED)
        until("the fake Graph API received the reply") { sent.any { it.contains("On it, one moment") } }
        eq(sent.count { it.contains("On it, one moment") }, 1, "sent once")
    }
    check("a supervisor approves the escalation the agent requested") {
        ana.requestEscalation(conversation, "customer asks for a manager", null, saraId)
        runBlocking { ana.sync() }
        runBlocking { sara.login("sara@example.test", PASSWORD, "supervisor phone"); sara.sync() }
        val thread = sara.thread(conversation) ?: throw AssertionError("Sara sees it")
        val escalation = thread.pendingEscalationId ?: throw AssertionError("an escalation waits")
        val id = sara.approveEscalation(escalation, "I'll call them")
        runBlocking { sara.sync() }
        eq(sara.outbox().first { it.mutationId == id }.state, CommandState.APPLIED)
        runBlocking { ana.sync() }
        eq(ana.thread(conversation)?.conversation?.assigneeId, saraId, "Sara owns it now")
    }

    server.stop()
    graph.stop(0)
    println("$passed passed, $failed failed")
    if (failed != 0 || passed == 0) exitProcess(1)
    exitProcess(0)
}
