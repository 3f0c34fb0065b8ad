// A small SwiftUI app over the Relaydesk package: sign in, the queue with counts, a thread,
// replies (a template once the 24-hour window is closed), claim, escalation approval for
// supervisors, the pending-outbox indicator, push-token registration and handle_push.
import SwiftUI
import Relaydesk

final class Desk: ObservableObject, UiListener {
    let client: RelaydeskClient
    @Published var tick = 0
    private var handle: ListenerHandle?

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("relaydesk").path
        client = try! RelaydeskClient(serverUrl: "https://relaydesk.example.com", dataDir: dir)
        handle = client.subscribe(listener: self)
    }

    // Listener calls come from background threads: hop to the main one.
    func queueChanged() { DispatchQueue.main.async { self.tick += 1 } }
    func threadChanged(conversationId: String) { DispatchQueue.main.async { self.tick += 1 } }
    func outboxChanged() { DispatchQueue.main.async { self.tick += 1 } }
    func liveChanged(state: LiveState) { DispatchQueue.main.async { self.tick += 1 } }
}

@main
struct RelaydeskSampleApp: App {
    @UIApplicationDelegateAdaptor(PushDelegate.self) var push
    @StateObject var desk = Desk()
    var body: some Scene {
        WindowGroup { RootView().environmentObject(desk) }
    }
}

final class PushDelegate: NSObject, UIApplicationDelegate {
    func application(_ application: UIApplication,
                     didRegisterForRemoteNotificationsWithDeviceToken deviceToken: Data) {
        let token = deviceToken.map { String(format: "%02x", $0) }.joined()
        Task { try? await DeskHolder.shared?.client.registerPushToken(token: token, platform: .ios) }
    }

    func application(_ application: UIApplication, didReceiveRemoteNotification userInfo: [AnyHashable: Any],
                     fetchCompletionHandler done: @escaping (UIBackgroundFetchResult) -> Void) {
        let data = (try? JSONSerialization.data(withJSONObject: userInfo)) ?? Data()
        Task {
            _ = try? await DeskHolder.shared?.client.handlePush(payload: String(decoding: data, as: UTF8.self))
            done(.newData)
        }
    }
}

enum DeskHolder { static var shared: Desk? }
