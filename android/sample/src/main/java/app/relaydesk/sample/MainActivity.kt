package app.relaydesk.sample

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.clickable
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
                    supportingContent = { Text("${row.status} · ${row.priority}" + if (row.escalationPending) " · escalation" else "") },
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

@Composable
fun Thread(client: RelaydeskClient, id: String, tick: Int, back: () -> Unit) {
    val loaded by produceState<ThreadView?>(null, id, tick) { value = client.conversation(id).thread() }
    val thread = loaded ?: return Text("Loading…")
    var text by remember { mutableStateOf("") }
    val scope = rememberCoroutineScope()
    val me = client.me()
    Column(Modifier.padding(8.dp)) {
        TextButton(onClick = back) { Text("← Queue") }
        Text(thread.customerName ?: "Customer", style = MaterialTheme.typography.titleMedium)
        thread.messages.forEach { m ->
            Text((if (m.fromCustomer) "◀ " else "▶ ") + m.text + if (!m.fromCustomer) "  (${m.delivery})" else "")
        }
        thread.notes.forEach { Text("note: $it", color = MaterialTheme.colorScheme.secondary) }
        val escalation = thread.pendingEscalationId
        if (escalation != null && me?.role != MemberRole.AGENT) {
            Row {
                Button(onClick = { scope.launch { client.escalation(escalation).approve(null); runCatching { client.sync() } } }) { Text("Approve") }
                OutlinedButton(onClick = { scope.launch { client.escalation(escalation).reject("handle it in your team"); runCatching { client.sync() } } }) { Text("Reject") }
            }
        }
        if (thread.windowSecondsLeft > 0) {
            Text("Window closes in ${thread.windowSecondsLeft / 60} min")
            OutlinedTextField(text, { text = it }, label = { Text("Reply") })
            Button(onClick = { val body = text; text = ""; scope.launch { client.conversation(id).reply(body); runCatching { client.sync() } } }) { Text("Send") }
        } else {
            Text("24-hour window closed: send an approved template")
            Button(onClick = {
                scope.launch {
                    client.conversation(id).replyWithTemplate("follow_up", "en_US", mapOf("body.1" to (thread.customerName ?: "there")))
                    runCatching { client.sync() }
                }
            }) { Text("Send “follow_up”") }
        }
    }
}
