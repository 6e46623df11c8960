import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import PoskoAPI
import PoskoCore
import PoskoDelivery
import PoskoStorage
import ServiceLifecycle
import Synchronization

/// The running service: storage, live playbooks, API and background services, wired from
/// a configuration. `prepare` does everything that can fail before serving, so a bad
/// config, an unwritable state directory or a bad playbook set fails fast with one line.
public final class PoskoDaemon: Sendable {
    public let config: PoskoConfig
    public let coordinator: Coordinator
    public let metrics: PoskoMetrics
    public let tokens: TokenStore
    let logger: Logger
    let environment: [String: String]
    let readyFlag = Mutex(false)
    let notifier: SystemdNotifier
    public let capIntake: CAPIntake
    public let dispatcher: Dispatcher
    let httpClient: HTTPClient
    /// Shared secret Kannel's MO and DLR callbacks carry.
    let inboundSecret: String?
    public let liveDrills: LiveDrills
    public let planKeeper: PlanKeeper

    public static func prepare(
        config: PoskoConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "posko")
    ) throws(StartupError) -> PoskoDaemon {
        let store: PoskoStore
        do {
            try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
            guard FileManager.default.isWritableFile(atPath: config.stateDirectory) else {
                throw StartupError("state directory \(config.stateDirectory) is not writable")
            }
            store = try PoskoStore.open(directory: config.stateDirectory)
            let recovered = try store.recoverInFlight(now: Date())
            if recovered > 0 { logger.warning("messages in flight at the last stop will be re-sent with the same id", metadata: ["count": "\(recovered)"]) }
            try enableEndpoints(store, logger: logger, on: "start")
        } catch let e as StartupError {
            throw e
        } catch {
            throw StartupError("cannot open the database in state directory \(config.stateDirectory): \(error)")
        }
        let wilayah = try Self.wilayah(config)
        let (set, diagnostics) = PlaybookFiles.load(paths: [config.playbookDirectory], wilayah: wilayah,
                                                    knownWebhooks: Set(config.webhooks.map(\.name)))
        guard let set else {
            let first = diagnostics.errors.first.map(\.description) ?? "no playbooks"
            throw StartupError("playbooks in \(config.playbookDirectory) are invalid (\(diagnostics.errors.count) errors; first: \(first)); run 'posko validate \(config.playbookDirectory)'")
        }
        let tokens = TokenStore(try Self.tokenTable(config, environment: environment))
        let routing = AlertRouting(smsChannels: config.smsOrder, webhooks: Set(config.webhooks.map(\.name)),
                                   groupingWindow: TimeInterval(config.alerts.groupingWindow),
                                   coverageThreshold: config.alerts.coverageThreshold)
        let coordinator = Coordinator(store: store, playbooks: set, routing: routing)
        let metrics = PoskoMetrics()
        let intake = CAPIntake(coordinator: coordinator, boundaries: try CAPIntake.loadBoundaries(config.cap.boundariesFile), settings: config.cap)
        let client = Channels.makeHTTPClient()
        let notifiers: [String: any Notifier]
        do {
            notifiers = try Channels.build(config, client: client, environment: environment, logger: logger)
        } catch {
            try? client.syncShutdown()
            throw error
        }
        let dispatcher = Dispatcher(store: store, notifiers: notifiers, logger: logger, metricsFactory: metrics.factory)
        return PoskoDaemon(config: config, coordinator: coordinator, metrics: metrics, tokens: tokens,
                           logger: logger, environment: environment, capIntake: intake, dispatcher: dispatcher, httpClient: client)
    }

    init(config: PoskoConfig, coordinator: Coordinator, metrics: PoskoMetrics, tokens: TokenStore,
         logger: Logger, environment: [String: String], capIntake: CAPIntake, dispatcher: Dispatcher, httpClient: HTTPClient) {
        self.config = config
        self.coordinator = coordinator
        self.metrics = metrics
        self.tokens = tokens
        self.logger = logger
        self.environment = environment
        self.capIntake = capIntake
        self.dispatcher = dispatcher
        self.httpClient = httpClient
        inboundSecret = try? config.inboundSMSSecret?.read(environment: environment).value
        liveDrills = LiveDrills(coordinator: coordinator, logger: logger)
        // A daemon that stopped mid-drill left its exercise emergencies active: end them.
        do { try liveDrills.endOrphans() } catch { logger.error("could not end an interrupted drill's emergencies: \(error)") }
        // The stored plan is read at start; a broken stored plan is not worth refusing to start over.
        planKeeper = (try? PlanKeeper(coordinator: coordinator)) ?? PlanKeeper(fresh: coordinator)
        notifier = SystemdNotifier(environment: environment)
    }

    /// Webhook endpoints a 410 disabled are tried again at start and on reload (see
    /// `PoskoStore.enableEndpoints`), each with a warning saying why it had been disabled.
    static func enableEndpoints(_ store: PoskoStore, logger: Logger, on occasion: String) throws {
        for e in try store.enableEndpoints() {
            logger.warning("webhook endpoint enabled again on \(occasion)", metadata: ["endpoint": "\(e.name)", "disabled because": "\(e.reason)"])
        }
    }

    static func wilayah(_ config: PoskoConfig) throws(StartupError) -> WilayahTable {
        do { return try PlaybookFiles.wilayah(file: config.wilayahFile) } catch { throw StartupError(error.description) }
    }

    static func tokenTable(_ config: PoskoConfig, environment: [String: String]) throws(StartupError) -> TokenTable {
        var table = TokenTable()
        for t in config.tokens {
            do {
                table.add(token: try t.secret.read(environment: environment).value, name: t.name, role: t.role)
            } catch {
                throw StartupError("token '\(t.name)': \(error.description)")
            }
        }
        return table
    }

    public var isReady: Bool { readyFlag.withLock { $0 } }

    /// Re-reads playbooks (and tokens); a bad set is rejected and the live one kept.
    public func reload(actor: Actor) async -> Coordinator.ReloadOutcome {
        let (set, diagnostics) = PlaybookFiles.load(paths: [config.playbookDirectory], wilayah: (try? Self.wilayah(config)) ?? .binjai,
                                                    knownWebhooks: Set(config.webhooks.map(\.name)))
        let outcome: Coordinator.ReloadOutcome
        do {
            outcome = try coordinator.reload(set, diagnostics: diagnostics, actor: actor, at: Date())
        } catch {
            logger.error("reload could not be recorded", metadata: ["error": "\(error)"])
            return Coordinator.ReloadOutcome(accepted: false, digest: coordinator.playbooks.digest, diagnostics: diagnostics)
        }
        if outcome.accepted {
            logger.info("playbooks reloaded", metadata: ["digest": "\(outcome.digest)", "warnings": "\(diagnostics.warnings.count)"])
        } else {
            for d in diagnostics.errors.prefix(20) { logger.error("playbook rejected on reload: \(d.description)") }
            logger.error("reload rejected; keeping the live playbooks", metadata: ["errors": "\(diagnostics.errors.count)", "live": "\(outcome.digest)"])
        }
        metrics.counter("posko_playbook_reloads_total", [("result", outcome.accepted ? "accepted" : "rejected")]).increment()
        return outcome
    }

    /// Re-reads the configuration file for what can change live (tokens).
    func reloadConfig() {
        do {
            let fresh = try ConfigLoader.load(path: config.source)
            tokens.replace(with: try Self.tokenTable(fresh, environment: environment))
            logger.info("configuration reloaded (tokens); listen address and state directory need a restart")
            try Self.enableEndpoints(coordinator.store, logger: logger, on: "reload")
        } catch {
            logger.error("configuration reload rejected; keeping the live tokens: \(error)")
        }
    }

    public func apiDependencies(now: @escaping @Sendable () -> Date = { Date() }) -> APIDependencies {
        APIDependencies(
            coordinator: coordinator, tokens: tokens, metrics: metrics, now: now,
            reload: { [self] actor in await self.reload(actor: actor) },
            ready: { [self] in self.isReady }, maxBodyBytes: config.maxBodyBytes,
            plannedMoves: { [planKeeper] in (planKeeper.current?.version, planKeeper.moved) },
            planBehind: { [planKeeper] in planKeeper.isBehind },
            ingestCAP: { [capIntake] data, actor in try capIntake.ingest(data, actor: actor, at: now()) },
            capPublisher: capIntake.publisher, publicBaseURL: config.publicBaseURL ?? "http://\(config.listen.host):\(config.listen.port)",
            sms: inboundSecret.map { SMSCallbacks.handlers(secret: $0, coordinator: coordinator, now: now) },
            drills: liveDrills.control, plans: planKeeper)
    }

    /// Runs until SIGTERM/SIGINT (graceful) or a service fails. `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = buildRouter(apiDependencies())
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.listen.host, port: config.listen.port), serverName: "posko"),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? config.listen.port
                readyFlag.withLock { $0 = true }
                notifier.ready(status: "serving on \(config.listen.host):\(port), \(coordinator.playbooks.posts.count) posts")
                logger.info("posko ready", metadata: ["address": "\(config.listen.host):\(port)", "playbooks": "\(coordinator.playbooks.digest)"])
                onListening(port)
            },
            logger: logger)
        let services: [any Service] = [
            app,
            DeadlineService(coordinator: coordinator, logger: logger),
            EscalationService(coordinator: coordinator, capGrace: Double(config.cap.expiryGrace), logger: logger),
            DispatcherService(dispatcher: dispatcher),
            PlannerService(keeper: planKeeper, changes: coordinator.changeStream, logger: logger),
            SignalService(daemon: self),
            WatchdogService(notifier: notifier),
            MemoryTrimService(),
            CheckpointService(store: coordinator.store, logger: logger),
        ] + config.cap.feeds.map { feed in
            CAPFeedService(poller: CAPFeedPoller(url: feed.url, interval: Double(feed.interval), logger: logger) { [capIntake] data in
                try capIntake.ingest(data, actor: Actor("cap-feed", via: .cap), at: Date()).decision
            })
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        notifier.stopping()
        liveDrills.stopAll()
        try? await httpClient.shutdown()
        do { try coordinator.store.close() } catch { logger.error("database close failed: \(error)") }
        if let failure { throw StartupError(Self.describe(failure, config: config)) }
        logger.info("posko stopped")
    }

    static func describe(_ error: any Error, config: PoskoConfig) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return "cannot listen on \(config.listen.host):\(config.listen.port): address already in use"
        }
        if text.contains("bind") || text.contains("getaddrinfo") {
            return "cannot listen on \(config.listen.host):\(config.listen.port): \(text)"
        }
        return text
    }
}
