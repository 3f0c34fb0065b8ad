package app.relaydesk.sample

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.clickable
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.foundation.layout.*
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.*
import androidx.compose.runtime.*
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import com.google.firebase.messaging.FirebaseMessaging
import kotlinx.coroutines.launch
import uniffi.relaydesk_ffi.*

class MainActivity : ComponentActivity() {
    private var live: LiveSession? = null

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val client = (application as RelaydeskApp).client
        setContent { MaterialTheme { RelaydeskScreens(client) } }
    }

    override fun onStart() {
        super.onStart()
        val client = (application as RelaydeskApp).client
        if (client.me() != null) kotlinx.coroutines.runBlocking { live = client.goLive() }
    }

    override fun onStop() {
        live?.stop()
        live = null
        super.onStop()
    }
}

// What the bindings' enums read as. A value from a newer server (UNKNOWN) reads as a neutral
// word and is never offered as a choice: a command naming it would be refused.
fun words(status: ConversationStatus) = when (status) {
    ConversationStatus.OPEN -> "open"
    ConversationStatus.PENDING -> "waiting on the customer"
    ConversationStatus.SNOOZED -> "snoozed"
    ConversationStatus.RESOLVED -> "resolved"
    ConversationStatus.UNKNOWN -> "other"
}

fun words(priority: ConversationPriority) = when (priority) {
    ConversationPriority.LOW -> "low"
    ConversationPriority.NORMAL -> "normal"
    ConversationPriority.HIGH -> "high"
    ConversationPriority.URGENT -> "urgent"
    ConversationPriority.UNKNOWN -> "other"
}

fun words(severity: EscalationSeverity) = when (severity) {
    EscalationSeverity.LOW -> "low"
    EscalationSeverity.MEDIUM -> "medium"
    EscalationSeverity.HIGH -> "high"
    EscalationSeverity.CRITICAL -> "critical"
    EscalationSeverity.UNKNOWN -> "other"
}

fun words(availability: MemberAvailability) = when (availability) {
    MemberAvailability.ONLINE -> "online"
    MemberAvailability.AWAY -> "away"
    MemberAvailability.OFFLINE -> "offline"
    MemberAvailability.UNKNOWN -> "other"
}

/** Ticks for one of our messages (none for a state this app does not know). */
fun ticks(delivery: Delivery) = when (delivery) {
    Delivery.QUEUED -> "🕓"
    Delivery.ACCEPTED, Delivery.SENT -> "✓"
    Delivery.DELIVERED -> "✓✓"
    Delivery.READ -> "✓✓ read"
    Delivery.FAILED -> "⚠ not delivered"
    Delivery.UNKNOWN -> ""
}

/** Where an escalation should go, in words. */
fun words(target: AssignTo, teams: List<TeamRow>, colleagues: List<ColleagueRow>) = when (target) {
    is AssignTo.Person -> colleagues.firstOrNull { it.id == target.personId }?.name ?: "a colleague"
    is AssignTo.Team -> "team " + (teams.firstOrNull { it.id == target.teamId }?.name ?: "?")
    AssignTo.Unknown -> "elsewhere"
}

/** Supervisors and admins decide escalations and reassign; an unknown role is not assumed to. */
fun supervises(role: MemberRole?) = when (role) {
    MemberRole.SUPERVISOR, MemberRole.ADMIN -> true
    MemberRole.AGENT, MemberRole.UNKNOWN, null -> false
}

/** Re-reads the client whenever it says something changed. */
class Changes : UiListener {
    var tick by mutableIntStateOf(0)
    override fun queueChanged() { tick++ }
    override fun threadChanged(conversationId: String) { tick++ }
    override fun outboxChanged() { tick++ }
    override fun liveChanged(state: LiveState) { tick++ }
}

@Composable
fun RelaydeskScreens(client: RelaydeskClient) {
    var me by remember { mutableStateOf(client.me()) }
    var open by remember { mutableStateOf<String?>(null) }
    val changes = remember { Changes() }
    DisposableEffect(client) {
        val handle = client.subscribe(changes)
        onDispose { handle.stop() }
    }
    when {
        me == null -> SignIn(client) { me = it }
        open != null -> Thread(client, open!!, changes.tick) { open = null }
        else -> Queue(client, me!!, changes.tick) { open = it }
    }
}

@Composable
fun SignIn(client: RelaydeskClient, signedIn: (Me) -> Unit) {
    var email by remember { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    val scope = rememberCoroutineScope()
    Column(Modifier.padding(24.dp)) {
        OutlinedTextField(email, { email = it }, label = { Text("Email") })
        OutlinedTextField(password, { password = it }, label = { Text("Password") },
            visualTransformation = PasswordVisualTransformation())
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Button(onClick = {
            scope.launch {
                try {
                    val me = client.login(email, password, android.os.Build.MODEL)
                    FirebaseMessaging.getInstance().token.addOnSuccessListener { token ->
                        scope.launch { runCatching { client.registerPushToken(token, PushPlatform.ANDROID) } }
                    }
                    client.sync()
                    signedIn(me)
                } catch (e: AppException.Rejected) {
                    error = if (e.code == "invalid_credentials") "Wrong email or password" else e.reason
                } catch (e: AppException) {
                    error = e.toString()
                }
            }
        }) { Text("Sign in") }
    }
}

@Composable
fun Queue(client: RelaydeskClient, me: Me, tick: Int, open: (String) -> Unit) {
    var view by remember { mutableStateOf(QueueView.UNASSIGNED) }
    val page by produceState(QueuePage(emptyList(), emptyList()), view, tick) {
        value = client.queue().page(view, QueueOrder.LONGEST_WAITING, 100u)
    }
    val pending by produceState(0, tick) {
        value = client.outbox().waiting().toInt()
    }
    val scope = rememberCoroutineScope()
    Column {
        if (pending > 0) Text("$pending waiting to be sent", Modifier.padding(8.dp))
        Row(Modifier.padding(horizontal = 8.dp)) {
            MemberAvailability.entries.filter { it != MemberAvailability.UNKNOWN }.forEach { a ->
                TextButton(onClick = { scope.launch { runCatching { client.setAvailability(a); client.sync() } } }) { Text(words(a)) }
            }
        }
        ScrollableTabRow(selectedTabIndex = QueueView.entries.indexOf(view)) {
            QueueView.entries.forEach { v ->
                val count = page.counts.firstOrNull { it.view == v }?.count ?: 0u
                Tab(selected = v == view, onClick = { view = v }, text = { Text("${v.name.lowercase()} ($count)") })
            }
        }
        LazyColumn {
            items(page.conversations) { row ->
                ListItem(
                    headlineContent = { Text(row.labels.joinToString().ifEmpty { row.id.take(8) }) },
                    supportingContent = { Text("${words(row.status)} · ${words(row.priority)}" + if (row.escalationPending) " · escalation" else "") },
                    trailingContent = {
                        if (row.assigneeId == null) TextButton(onClick = {
                            scope.launch { runCatching { client.conversation(row.id).claimNow() } }
                        }) { Text("Claim") }
                    },
                    modifier = Modifier.clickable { open(row.id) },
                )
            }
        }
    }
}

/** Runs a command; a refusal (the domain's, on the phone or at the server) is shown, not thrown. */
suspend fun act(client: RelaydeskClient, refused: (String?) -> Unit, command: suspend () -> Unit) {
    try {
        command()
        refused(null)
        runCatching { client.sync() }
    } catch (e: AppException.Rejected) {
        refused(e.reason)
    } catch (e: AppException.InvalidInput) {
        refused(e.reason)
    }
}

@Composable
fun Thread(client: RelaydeskClient, id: String, tick: Int, back: () -> Unit) {
    val loaded by produceState<ThreadView?>(null, id, tick) { value = client.conversation(id).thread() }
    val facts by produceState<SideFactsView?>(null, id, tick) { value = client.conversation(id).sideFacts() }
    val canned by produceState(emptyList<CannedReplyChoice>(), id, tick) { value = client.conversation(id).cannedReplies() }
    val thread = loaded ?: return Text("Loading…")
    var text by remember { mutableStateOf("") }
    var label by remember { mutableStateOf("") }
    var note by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    val scope = rememberCoroutineScope()
    val me = client.me()
    val conversation = client.conversation(id)
    val perform: (suspend () -> Unit) -> Unit = { command -> scope.launch { act(client, { error = it }, command) } }
    // Blue ticks for the customer once the owner has seen their messages.
    LaunchedEffect(id, thread.conversation.assigneeId) {
        if (thread.conversation.assigneeId == me?.id) runCatching { conversation.markRead() }
    }
    Column(Modifier.padding(8.dp).verticalScroll(rememberScrollState())) {
        TextButton(onClick = back) { Text("← Queue") }
        Text(thread.customerName ?: "Customer", style = MaterialTheme.typography.titleMedium)
        facts?.let { f ->
            Text(listOfNotNull(f.inboxName, f.teamName, f.ownerName?.let { "owner $it" }, words(f.status), words(f.priority)).joinToString(" · "))
            f.snoozedUntil?.let { Text("Snoozed until $it") }
            Row { f.labels.forEach { l -> TextButton(onClick = { perform { conversation.removeLabel(l) } }) { Text("$l ✕") } } }
            f.escalation?.let { e -> Text("Escalation to ${words(e.target, client.teams(), client.colleagues())} (${words(e.severity)}): ${e.reason}") }
            f.otherConversations.forEach { o -> Text("Also on ${o.inboxName ?: "another number"}: ${words(o.conversation.status)}") }
        }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        thread.messages.forEach { m ->
            Text(if (m.fromCustomer) "◀ ${m.text}" else "▶ ${m.authorName ?: "us"}: ${m.text}  ${ticks(m.delivery)}")
        }
        thread.notes.forEach { n -> Text("note · ${n.authorName}: ${n.body}", color = MaterialTheme.colorScheme.secondary) }
        // Who did what (claims, handoffs, labels, a rule's acts …), in the web view's words.
        thread.timeline.forEach { l -> Text(l.words, style = MaterialTheme.typography.bodySmall) }
        Row {
            if (thread.conversation.status == ConversationStatus.RESOLVED) {
                TextButton(onClick = { perform { conversation.reopen() } }) { Text("Reopen") }
            } else {
                TextButton(onClick = { perform { conversation.resolve() } }) { Text("Resolve") }
            }
            TextButton(onClick = { perform { conversation.waitOnCustomer() } }) { Text("Waiting") }
            TextButton(onClick = { perform { conversation.snoozeFor(3600u) } }) { Text("Snooze 1 h") }
        }
        Row {
            ConversationPriority.entries.filter { it != ConversationPriority.UNKNOWN }.forEach { p ->
                TextButton(onClick = { perform { conversation.setPriority(p) } }) {
                    Text((if (thread.conversation.priority == p) "● " else "") + words(p))
                }
            }
        }
        Row {
            OutlinedTextField(label, { label = it }, label = { Text("Label") })
            TextButton(onClick = { val l = label; label = ""; perform { conversation.addLabel(l) } }) { Text("Add") }
        }
        // Handing on: the owner leaves a note (the domain refuses a handoff without one).
        OutlinedTextField(note, { note = it }, label = { Text(if (supervises(me?.role)) "Note or reason" else "Handoff note") })
        Row {
            client.colleagues().filter { it.id != me?.id }.forEach { c ->
                TextButton(onClick = {
                    val words = note
                    perform {
                        if (thread.conversation.assigneeId == me?.id) conversation.handOff(AssignTo.Person(c.id), words)
                        else conversation.assign(AssignTo.Person(c.id), words.ifBlank { null })
                    }
                }) { Text("→ ${c.name}") }
            }
        }
        TextButton(onClick = {
            val words = note.ifBlank { null }
            perform {
                if (thread.conversation.assigneeId == me?.id) conversation.release(words, null)
                else conversation.release(null, words)
            }
        }) { Text("Release to the team") }
        val escalation = thread.pendingEscalationId
        if (escalation != null && supervises(me?.role)) {
            Row {
                Button(onClick = { perform { client.escalation(escalation).approve(null) } }) { Text("Approve") }
                OutlinedButton(onClick = { perform { client.escalation(escalation).reject("handle it in your team") } }) { Text("Reject") }
            }
        }
        if (escalation != null && facts?.escalation?.requestedById == me?.id) {
            TextButton(onClick = { perform { client.escalation(escalation).cancel() } }) { Text("Withdraw escalation") }
        }
        if (thread.windowSecondsLeft > 0) {
            Text("Window closes in ${thread.windowSecondsLeft / 60} min")
            canned.forEach { c ->
                TextButton(onClick = { text = c.text }) {
                    Text("/${c.shortcut}" + if (c.missing.isEmpty()) "" else " (fill in ${c.missing.joinToString()})")
                }
            }
            OutlinedTextField(text, { text = it }, label = { Text("Reply") })
            Button(onClick = { val body = text; text = ""; perform { conversation.reply(body) } }) { Text("Send") }
        } else {
            Text("24-hour window closed: send an approved template")
            Button(onClick = {
                perform { conversation.replyWithTemplate("follow_up", "en_US", mapOf("body.1" to (thread.customerName ?: "there"))) }
            }) { Text("Send “follow_up”") }
        }
    }
}
