// Two and three phones against a real Relaydesk server, through the generated Kotlin API, on a
// desktop JVM (scripts/kotlin-test) or under Gradle's test task. The steps are one story, run in
// name order.
package app.relaydesk

import kotlinx.coroutines.runBlocking
import org.junit.AfterClass
import org.junit.BeforeClass
import org.junit.FixMethodOrder
import org.junit.Test
import org.junit.runners.MethodSorters
import uniffi.relaydesk_ffi.*
import java.nio.file.Files
import java.nio.file.Path
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

@FixMethodOrder(MethodSorters.NAME_ASCENDING)
class RelaydeskClientTest {
    companion object {
        lateinit var bin: String
        lateinit var work: Path
        lateinit var graph: FakeGraph
        lateinit var server: Server
        lateinit var ana: RelaydeskClient
        lateinit var bruno: RelaydeskClient
        lateinit var sara: RelaydeskClient
        lateinit var saraId: String
        var conversation = ""
        var handedOff = ""
        val heard = Heard()

        @BeforeClass @JvmStatic
        fun start() {
            bin = System.getProperty("relaydesk.bin") ?: System.getenv("RELAYDESK_BIN")
                ?: throw IllegalStateException("set relaydesk.bin (the relaydesk binary)")
            work = Files.createTempDirectory("relaydesk-kotlin")
            graph = FakeGraph()
            server = Server(bin, work.resolve("server"), graph.url)
            server.admin("create-team", "--name", "North")
            server.admin("add-inbox", "--name", "Main", "--phone-number-id", NUMBER, "--display-phone-number", "12125550142", "--waba-id", "310984726155302", "--team", "North")
            server.admin("create-user", "--email", "ana@example.test", "--name", "Ana", "--role", "agent", "--team", "North", "--password", PASSWORD)
            server.admin("create-user", "--email", "bruno@example.test", "--name", "Bruno", "--role", "agent", "--team", "North", "--password", PASSWORD)
            val created = server.admin("create-user", "--email", "sara@example.test", "--name", "Sara", "--role", "supervisor", "--team", "North", "--password", PASSWORD)
            saraId = created.trim().substringAfterLast("id ").trim()
            server.start()
            ana = RelaydeskClient(server.url, work.resolve("ana").toString())
            bruno = RelaydeskClient(server.url, work.resolve("bruno").toString())
            sara = RelaydeskClient(server.url, work.resolve("sara").toString())
        }

        @AfterClass @JvmStatic
        fun stop() {
            server.stop()
            graph.stop()
        }
    }

    @Test
    fun a_wrong_password_is_a_typed_exception() {
        val refused = assertFailsWith<AppException.Rejected> {
            runBlocking { ana.login("ana@example.test", "not the password", "kotlin") }
        }
        assertEquals("invalid_credentials", refused.code)
    }

    @Test
    fun b_an_agent_signs_in_syncs_and_sees_the_unassigned_view() {
        val me = runBlocking { ana.login("ana@example.test", PASSWORD, "kotlin phone") }
        assertEquals(MemberRole.AGENT, me.role)
        server.customerWrites("5511900000201", "hello from the JVM")
        runBlocking { ana.sync() }
        val page = runBlocking { ana.queue().page(QueueView.UNASSIGNED, QueueOrder.LONGEST_WAITING, 50u) }
        assertEquals(1, page.conversations.size)
        assertEquals(1uL, page.counts.first { it.view == QueueView.UNASSIGNED }.count)
        conversation = page.conversations[0].id
    }

    @Test
    fun c_a_listener_hears_the_claim_and_a_stopped_handle_hears_nothing_more() {
        val handle = ana.subscribe(heard)
        runBlocking { ana.conversation(conversation).claimNow() }
        until("outbox and queue calls") { heard.calls.contains("outbox") && heard.calls.contains("queue") }
        assertTrue(heard.calls.contains("thread $conversation"))
        handle.stop()
        heard.calls.clear()
        runBlocking { ana.conversation(conversation).addNote("called the customer") }
        assertTrue(heard.calls.isEmpty(), "no calls after stop")
    }

    @Test
    fun d_a_rejected_claim_is_a_typed_exception_naming_the_owner() {
        runBlocking { bruno.login("bruno@example.test", PASSWORD, "kotlin phone 2"); bruno.sync() }
        val refused = assertFailsWith<AppException.Rejected> { runBlocking { bruno.conversation(conversation).claimNow() } }
        assertEquals("already_owned", refused.code)
        assertTrue(refused.reason.contains("Ana"), refused.reason)
    }

    @Test
    fun e_a_reply_written_while_the_server_is_away_waits_then_reaches_whatsapp_once() {
        server.stop()
        val id = runBlocking { ana.conversation(conversation).reply("On it, one moment") }
        assertEquals(CommandState.QUEUED, runBlocking { ana.outbox().items() }.first { it.mutationId == id }.state)
        assertFailsWith<AppException.NetworkUnavailable> { runBlocking { ana.sync() } }
        assertEquals(CommandState.QUEUED, runBlocking { ana.outbox().items() }.first { it.mutationId == id }.state)
        server.start()
        runBlocking { ana.sync() }
        assertEquals(CommandState.APPLIED, runBlocking { ana.outbox().items() }.first { it.mutationId == id }.state)
        until("the fake Graph API received the reply") { graph.sent.any { it.contains("On it, one moment") } }
        assertEquals(1, graph.sent.count { it.contains("On it, one moment") })
    }

    @Test
    fun g_a_panic_inside_the_library_is_an_exception_not_a_crash() {
        assertFailsWith<InternalException> { panicForTest() }
        assertTrue(coreVersion().isNotEmpty(), "the library still answers")
        assertEquals(MemberRole.AGENT, ana.me()?.role, "and the client still works")
    }

    @Test
    fun f_a_supervisor_approves_the_escalation_the_agent_requested() {
        runBlocking { ana.conversation(conversation).requestEscalation("customer asks for a manager", EscalationSeverity.HIGH, null, saraId) }
        runBlocking { ana.sync() }
        runBlocking { sara.login("sara@example.test", PASSWORD, "supervisor phone"); sara.sync() }
        val thread = assertNotNull(runBlocking { sara.conversation(conversation).thread() }, "Sara sees it")
        val escalation = assertNotNull(thread.pendingEscalationId, "an escalation waits")
        val id = runBlocking { sara.escalation(escalation).approve("I'll call them") }
        runBlocking { sara.sync() }
        assertEquals(CommandState.APPLIED, runBlocking { sara.outbox().items() }.first { it.mutationId == id }.state)
        runBlocking { ana.sync() }
        assertEquals(saraId, runBlocking { ana.conversation(conversation).thread() }?.conversation?.assigneeId)
    }

    /** Three new conversations, claimed by Ana while online: ids in arrival order. */
    private fun threeClaimedByAna(): List<String> {
        listOf("5511900000202", "5511900000203", "5511900000204").forEach { server.customerWrites(it, "help please") }
        runBlocking { ana.sync() }
        val ids = runBlocking { ana.queue().page(QueueView.UNASSIGNED, QueueOrder.LONGEST_WAITING, 50u) }.conversations.map { it.id }
        eq(ids.size, 3, "three unassigned")
        runBlocking { ids.forEach { ana.conversation(it).claim() }; ana.sync() }
        return ids
    }

    @Test
    fun h_a_field_agent_resolves_hands_off_labels_and_snoozes_offline_then_the_server_shows_each() {
        val (labelled, resolved, handed) = threeClaimedByAna()
        handedOff = handed
        val brunoId = ana.colleagues().first { it.name == "Bruno" }.id
        server.stop()
        runBlocking {
            ana.conversation(labelled).addLabel("late-delivery")
            ana.conversation(labelled).setPriority(ConversationPriority.HIGH)
            ana.conversation(labelled).snoozeFor(7200u)
            ana.conversation(resolved).resolve()
        }
        val refused = assertFailsWith<AppException.Rejected> {
            runBlocking { ana.conversation(handed).handOff(AssignTo.Person(brunoId), "") }
        }
        assertEquals("handoff_note_required", refused.code, "refused on the phone, offline")
        runBlocking { ana.conversation(handed).handOff(AssignTo.Person(brunoId), "refund approved; send the form") }
        // The phone shows each at once.
        val facts = assertNotNull(runBlocking { ana.conversation(labelled).sideFacts() })
        assertEquals(ConversationStatus.SNOOZED, facts.status)
        assertEquals(listOf("late-delivery"), facts.labels)
        assertEquals("Bruno", runBlocking { ana.conversation(handed).sideFacts() }?.ownerName)
        assertEquals(5uL, runBlocking { ana.outbox().waiting() }, "the refused handoff is not queued")
        assertFailsWith<AppException.NetworkUnavailable> { runBlocking { ana.sync() } }

        server.start()
        val summary = runBlocking { ana.sync() }
        assertEquals(5uL, summary.applied)
        assertEquals(0uL, summary.rejected)
        val rest = Rest(server.url)
        val token = rest.token("sara@example.test")
        val first = rest.get("/api/v1/conversations/$labelled", token)
        assertTrue(first.contains("\"status\":{\"status\":\"snoozed\""), first)
        assertTrue(first.contains("\"labels\":[\"late-delivery\"]"), first)
        assertTrue(first.contains("\"priority\":\"high\""), first)
        val second = rest.get("/api/v1/conversations/$resolved", token)
        assertTrue(second.contains("\"status\":{\"status\":\"resolved\"}"), second)
        val third = rest.get("/api/v1/conversations/$handed", token)
        assertTrue(third.contains("\"owner_name\":\"Bruno\""), third)
        val timeline = rest.get("/api/v1/conversations/$handed/timeline", token)
        assertTrue(timeline.contains("refund approved; send the form"), "the handoff note is on the timeline")
    }

    @Test
    fun i_a_supervisor_reassigns_from_the_phone_with_a_reason() {
        runBlocking { sara.sync() }
        val anaId = assertNotNull(ana.me()).id
        val refused = assertFailsWith<AppException.Rejected> {
            runBlocking { sara.conversation(handedOff).assign(AssignTo.Person(anaId), null) }
        }
        assertEquals("reason_required", refused.code)
        runBlocking { sara.conversation(handedOff).assign(AssignTo.Person(anaId), "Bruno is off sick") }
        val summary = runBlocking { sara.sync() }
        assertEquals(1uL, summary.applied)
        val rest = Rest(server.url)
        val token = rest.token("sara@example.test")
        val now = rest.get("/api/v1/conversations/$handedOff", token)
        assertTrue(now.contains("\"owner_name\":\"Ana\""), now)
        val timeline = rest.get("/api/v1/conversations/$handedOff/timeline", token)
        assertTrue(timeline.contains("Bruno is off sick"), "the reason is on the timeline")
    }

    @Test
    fun j_the_morning_shift_sees_on_the_phone_what_the_out_of_hours_rule_did_overnight() {
        val demo = DemoServer(bin, work.resolve("demo"))
        try {
            val phone = RelaydeskClient(demo.url, work.resolve("demo-ana").toString())
            runBlocking { phone.login("ana@demo.relaydesk", "demo-ana-123", "kotlin phone"); phone.sync() }
            val page = runBlocking { phone.queue().page(QueueView.UNASSIGNED, QueueOrder.LONGEST_WAITING, 50u) }
            val night = page.conversations.first { "after-hours" in it.labels }
            assertNull(night.assigneeId, "the rule's reply claimed nothing")
            val thread = assertNotNull(runBlocking { phone.conversation(night.id).thread() })
            assertEquals("Noor Haddad", thread.customerName)
            val rule = "rule 'Out of hours'"
            assertEquals(listOf(rule), thread.notes.map { it.authorName }, "the note for the morning shift is the rule's")
            assertTrue(thread.notes[0].body.contains("Morning shift"), thread.notes[0].body)
            assertEquals(rule, thread.messages.first { !it.fromCustomer }.authorName, "and so is the reply")
            assertNull(thread.messages.first { it.fromCustomer }.authorName)
            val words = thread.timeline.map { it.words }
            assertEquals("Conversation opened", words.first(), words.toString())
            assertTrue("$rule added label “after-hours”" in words, words.toString())
            assertEquals(thread.timeline.map { it.at }.sorted(), thread.timeline.map { it.at }, "in the timeline's order")
        } finally {
            demo.stop()
        }
    }
}
