package app.relaydesk.sample

import android.app.Application
import android.app.NotificationChannel
import android.app.NotificationManager
import android.os.Build
import uniffi.relaydesk_ffi.RelaydeskClient

/** One client for the whole app, opened on the app's private storage. */
class RelaydeskApp : Application() {
    lateinit var client: RelaydeskClient
        private set

    override fun onCreate() {
        super.onCreate()
        client = RelaydeskClient(BuildConfig.SERVER_URL, filesDir.resolve("relaydesk").path)
        // The server's alerts name this channel (server/src/push/message.rs, ANDROID_CHANNEL).
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
            val channel = NotificationChannel(ALERTS_CHANNEL, "Needs you", NotificationManager.IMPORTANCE_HIGH)
            getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
        }
    }

    companion object {
        /** Where conversations assigned to you, customer replies, escalations and mentions show. */
        const val ALERTS_CHANNEL = "relaydesk_alerts"
    }
}
