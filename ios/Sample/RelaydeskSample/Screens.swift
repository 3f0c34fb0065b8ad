import SwiftUI
import Relaydesk

// What the bindings' enums read as. A value from a newer server (`.unknown`) reads as a neutral
// word and is never offered as a choice: a command naming it would be refused.
func words(_ status: ConversationStatus) -> String {
    switch status {
    case .open: return "open"
    case .pending: return "waiting on the customer"
    case .snoozed: return "snoozed"
    case .resolved: return "resolved"
    case .unknown: return "other"
    }
}

func words(_ priority: ConversationPriority) -> String {
    switch priority {
    case .low: return "low"
    case .normal: return "normal"
    case .high: return "high"
    case .urgent: return "urgent"
    case .unknown: return "other"
    }
}

func words(_ severity: EscalationSeverity) -> String {
    switch severity {
    case .low: return "low"
    case .medium: return "medium"
    case .high: return "high"
    case .critical: return "critical"
    case .unknown: return "other"
    }
}

func words(_ availability: MemberAvailability) -> String {
    switch availability {
    case .online: return "online"
    case .away: return "away"
    case .offline: return "offline"
    case .unknown: return "other"
    }
}

/// Ticks for one of our messages (none for a state this app does not know).
func ticks(_ delivery: Delivery) -> String {
    switch delivery {
    case .queued: return "🕓"
    case .accepted, .sent: return "✓"
    case .delivered: return "✓✓"
    case .read: return "✓✓ read"
    case .failed: return "⚠ not delivered"
    case .unknown: return ""
    }
}

/// Where an escalation should go, in words.
func words(_ target: AssignTo, teams: [TeamRow], colleagues: [ColleagueRow]) -> String {
    switch target {
    case .person(let id): return colleagues.first { $0.id == id }?.name ?? "a colleague"
    case .team(let id): return "team " + (teams.first { $0.id == id }?.name ?? "?")
    case .unknown: return "elsewhere"
    }
}

/// Supervisors and admins decide escalations and reassign; an unknown role is not assumed to.
func supervises(_ role: MemberRole?) -> Bool {
    switch role {
    case .supervisor?, .admin?: return true
    case .agent?, .unknown?, nil: return false
    }
}

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
                HStack {
                    ForEach([MemberAvailability.online, .away, .offline], id: \.self) { a in
                        Button(words(a)) {
                            Task { _ = try? await desk.client.setAvailability(availability: a); _ = try? await desk.client.sync() }
                        }.buttonStyle(.borderless)
                    }
                }
                Picker("View", selection: $view) {
                    ForEach(page.counts, id: \.view) { c in Text("\(String(describing: c.view)) (\(c.count))").tag(c.view) }
                }
                ForEach(page.conversations, id: \.id) { row in
                    NavigationLink(value: row.id) {
                        VStack(alignment: .leading) {
                            Text(row.labels.isEmpty ? String(row.id.prefix(8)) : row.labels.joined(separator: ", "))
                            Text("\(words(row.status)) · \(words(row.priority))").font(.caption)
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
    @State var facts: SideFactsView?
    @State var canned: [CannedReplyChoice] = []
    @State var text = ""
    @State var label = ""
    @State var note = ""
    @State var error: String?

    var conversation: ConversationHandle? { try? desk.client.conversation(conversationId: id) }

    /// Runs a command; a refusal (the domain's, on the phone or at the server) is shown, not thrown.
    func perform(_ command: @escaping () async throws -> UInt64) {
        Task {
            do {
                _ = try await command()
                error = nil
                _ = try? await desk.client.sync()
            } catch AppError.Rejected(_, let reason) {
                error = reason
            } catch AppError.InvalidInput(let reason) {
                error = reason
            } catch {
                self.error = "\(error)"
            }
        }
    }

    var body: some View {
        List {
            if let thread, let conversation {
                let me = desk.client.me()
                let mine = thread.conversation.assigneeId == me?.id
                if let facts {
                    Section("Details") {
                        Text([facts.customerName, facts.inboxName, facts.teamName, facts.ownerName.map { "owner \($0)" }].compactMap { $0 }.joined(separator: " · "))
                        Text("\(words(facts.status)) · \(words(facts.priority))")
                        if let until = facts.snoozedUntil { Text("Snoozed until \(until)") }
                        ForEach(facts.labels, id: \.self) { l in
                            Button("\(l) ✕") { perform { try await conversation.removeLabel(label: l) } }
                        }
                        if let e = facts.escalation {
                            Text("Escalation to \(words(e.target, teams: desk.client.teams(), colleagues: desk.client.colleagues())) (\(words(e.severity))): \(e.reason)")
                        }
                        ForEach(facts.otherConversations, id: \.conversation.id) { o in
                            Text("Also on \(o.inboxName ?? "another number"): \(words(o.conversation.status))")
                        }
                    }
                }
                if let error { Text(error).foregroundStyle(.red) }
                ForEach(thread.messages, id: \.id) { m in
                    Text(m.fromCustomer ? "◀ \(m.text)" : "▶ \(m.authorName ?? "us"): \(m.text)  \(ticks(m.delivery))")
                }
                ForEach(thread.notes, id: \.id) { n in
                    Text("note · \(n.authorName): \(n.body)").foregroundStyle(.secondary)
                }
                // Who did what (claims, handoffs, labels, a rule's acts …), in the web view's words.
                ForEach(Array(thread.timeline.enumerated()), id: \.offset) { _, line in
                    Text(line.words).font(.caption)
                }
                Section("Actions") {
                    if thread.conversation.status == .resolved {
                        Button("Reopen") { perform { try await conversation.reopen() } }
                    } else {
                        Button("Resolve") { perform { try await conversation.resolve() } }
                    }
                    Button("Waiting on the customer") { perform { try await conversation.waitOnCustomer() } }
                    Button("Snooze 1 h") { perform { try await conversation.snoozeFor(seconds: 3600) } }
                    HStack {
                        ForEach([ConversationPriority.low, .normal, .high, .urgent], id: \.self) { p in
                            Button((thread.conversation.priority == p ? "● " : "") + words(p)) {
                                perform { try await conversation.setPriority(priority: p) }
                            }.buttonStyle(.borderless)
                        }
                    }
                    HStack {
                        TextField("Label", text: $label)
                        Button("Add") { let l = label; label = ""; perform { try await conversation.addLabel(label: l) } }
                    }
                    // Handing on: the owner leaves a note (the domain refuses a handoff without one).
                    TextField(supervises(me?.role) ? "Note or reason" : "Handoff note", text: $note)
                    ForEach(desk.client.colleagues().filter { $0.id != me?.id }, id: \.id) { c in
                        Button("→ \(c.name)") {
                            let words = note
                            perform {
                                if mine { return try await conversation.handOff(to: .person(personId: c.id), note: words) }
                                return try await conversation.assign(to: .person(personId: c.id), reason: words.isEmpty ? nil : words)
                            }
                        }
                    }
                    Button("Release to the team") {
                        let words = note.isEmpty ? nil : note
                        perform {
                            if mine { return try await conversation.release(note: words, reason: nil) }
                            return try await conversation.release(note: nil, reason: words)
                        }
                    }
                    if let escalation = thread.pendingEscalationId, let handle = try? desk.client.escalation(escalationId: escalation) {
                        if supervises(me?.role) {
                            Button("Approve escalation") { perform { try await handle.approve(note: nil) } }
                            Button("Reject escalation") { perform { try await handle.reject(reason: "handle it in your team") } }
                        }
                        if facts?.escalation?.requestedById == me?.id {
                            Button("Withdraw escalation") { perform { try await handle.cancel() } }
                        }
                    }
                }
                if thread.windowSecondsLeft > 0 {
                    Text("Window closes in \(thread.windowSecondsLeft / 60) min")
                    ForEach(canned, id: \.id) { c in
                        Button("/\(c.shortcut)" + (c.missing.isEmpty ? "" : " (fill in \(c.missing.joined(separator: ", ")))")) { text = c.text }
                    }
                    TextField("Reply", text: $text)
                    Button("Send") {
                        let body = text
                        text = ""
                        perform { try await conversation.reply(text: body) }
                    }
                } else {
                    Text("24-hour window closed: send an approved template")
                    Button("Send “follow_up”") {
                        perform { try await conversation.replyWithTemplate(name: "follow_up", language: "en_US", params: ["body.1": thread.customerName ?? "there"]) }
                    }
                }
            } else {
                ProgressView()
            }
        }
        .task(id: desk.tick) {
            guard let conversation else { return }
            thread = try? await conversation.thread()
            facts = try? await conversation.sideFacts()
            canned = (try? await conversation.cannedReplies()) ?? []
            // Blue ticks for the customer once the owner has seen their messages.
            if let thread, thread.conversation.assigneeId == desk.client.me()?.id, facts?.status != .resolved {
                _ = try? await conversation.markRead()
            }
        }
    }
}
