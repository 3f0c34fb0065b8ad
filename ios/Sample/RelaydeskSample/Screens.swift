import SwiftUI
import Relaydesk

struct RootView: View {
    @EnvironmentObject var desk: Desk
    var body: some View {
        if desk.client.me() == nil { SignInView() } else { QueueView_() }
    }
}

struct SignInView: View {
    @EnvironmentObject var desk: Desk
    @State var email = ""
    @State var password = ""
    @State var error: String?
    var body: some View {
        Form {
            TextField("Email", text: $email).textContentType(.emailAddress)
            SecureField("Password", text: $password)
            if let error { Text(error).foregroundStyle(.red) }
            Button("Sign in") {
                Task {
                    do {
                        _ = try await desk.client.login(email: email, password: password, device: UIDevice.current.name)
                        _ = try await desk.client.sync()
                        DeskHolder.shared = desk
                        await UIApplication.shared.registerForRemoteNotifications()
                        desk.tick += 1
                    } catch AppError.Rejected(let code, let reason) {
                        error = code == "invalid_credentials" ? "Wrong email or password" : reason
                    } catch {
                        self.error = "\(error)"
                    }
                }
            }
        }
    }
}

struct QueueView_: View {
    @EnvironmentObject var desk: Desk
    @State var view: QueueView = .unassigned
    @State var page = QueuePage(counts: [], conversations: [])
    @State var pending = 0
    var body: some View {
        NavigationStack {
            List {
                if pending > 0 { Text("\(pending) waiting to be sent").foregroundStyle(.secondary) }
                Picker("View", selection: $view) {
                    ForEach(page.counts, id: \.view) { c in Text("\(String(describing: c.view)) (\(c.count))").tag(c.view) }
                }
                ForEach(page.conversations, id: \.id) { row in
                    NavigationLink(value: row.id) {
                        VStack(alignment: .leading) {
                            Text(row.labels.isEmpty ? String(row.id.prefix(8)) : row.labels.joined(separator: ", "))
                            Text("\(row.status) · \(row.priority)").font(.caption)
                        }
                    }
                    .swipeActions { if row.assigneeId == nil { Button("Claim") { Task { _ = try? await desk.client.conversation(conversationId: row.id).claimNow() } } } }
                }
            }
            .navigationDestination(for: String.self) { ThreadView_(id: $0) }
            .refreshable { _ = try? await desk.client.sync() }
            .task(id: "\(view)-\(desk.tick)") {
                page = await desk.client.queue().page(view: view, order: .longestWaiting, limit: 100)
                pending = Int((try? await desk.client.outbox().waiting()) ?? 0)
            }
        }
    }
}

struct ThreadView_: View {
    @EnvironmentObject var desk: Desk
    let id: String
    @State var thread: ThreadView?
    @State var text = ""
    var body: some View {
        List {
            if let thread {
                ForEach(thread.messages, id: \.id) { m in
                    Text((m.fromCustomer ? "◀ " : "▶ ") + m.text + (m.fromCustomer ? "" : "  (\(m.delivery))"))
                }
                ForEach(thread.notes, id: \.self) { Text("note: \($0)").foregroundStyle(.secondary) }
                if let escalation = thread.pendingEscalationId, desk.client.me()?.role != .agent {
                    Button("Approve escalation") {
                        Task { _ = try? await desk.client.escalation(escalationId: escalation).approve(note: nil); _ = try? await desk.client.sync() }
                    }
                }
                if thread.windowSecondsLeft > 0 {
                    Text("Window closes in \(thread.windowSecondsLeft / 60) min")
                    TextField("Reply", text: $text)
                    Button("Send") {
                        let body = text
                        text = ""
                        Task { _ = try? await desk.client.conversation(conversationId: id).reply(text: body); _ = try? await desk.client.sync() }
                    }
                } else {
                    Text("24-hour window closed: send an approved template")
                    Button("Send “follow_up”") {
                        Task {
                            _ = try? await desk.client.conversation(conversationId: id).replyWithTemplate(name: "follow_up", language: "en_US", params: ["body.1": thread.customerName ?? "there"])
                            _ = try? await desk.client.sync()
                        }
                    }
                }
            } else {
                ProgressView()
            }
        }
        .task(id: desk.tick) { thread = try? await desk.client.conversation(conversationId: id).thread() }
    }
}
