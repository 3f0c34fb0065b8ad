package app.relaydesk.sample

import android.app.Application
import uniffi.relaydesk_ffi.RelaydeskClient

/** One client for the whole app, opened on the app's private storage. */
class RelaydeskApp : Application() {
    lateinit var client: RelaydeskClient
        private set

    override fun onCreate() {
        super.onCreate()
        client = RelaydeskClient(BuildConfig.SERVER_URL, filesDir.resolve("relaydesk").path)
    }
}
