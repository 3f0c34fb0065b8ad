package app.relaydesk.sample

import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import uniffi.relaydesk_ffi.PushPlatform

/** FCM: a new token is registered (again); a message makes the client sync. */
class PushService : FirebaseMessagingService() {
    private val client get() = (application as RelaydeskApp).client

    override fun onNewToken(token: String) {
        runCatching { runBlocking { client.registerPushToken(token, PushPlatform.ANDROID) } }
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val payload = JSONObject(message.data as Map<*, *>).toString()
        runCatching { runBlocking { client.handlePush(payload) } }
    }
}
