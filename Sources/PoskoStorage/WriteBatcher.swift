import Foundation
import GRDB
import Synchronization

/// Group commit for the hot path (status reports over HTTP): writes submitted while a
/// commit is running wait and then go together in the next transaction; one bad write does
/// not undo the others (see `write`). Every caller resumes only after
/// its write is committed, so a 2xx still means "stored". The writer is awaited, never
/// blocked on, so event-loop threads stay free.
final class WriteBatcher: Sendable {
    typealias Operation = @Sendable (StoreTransaction) throws -> Void

    private struct Pending {
        var operation: Operation
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var flushing = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    let maxBatch: Int

    init(writer: any DatabaseWriter, maxBatch: Int = 256) {
        self.writer = writer
        self.maxBatch = maxBatch
    }

    func submit(_ operation: @escaping Operation) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startFlush = state.withLock { s -> Bool in
                s.queue.append(Pending(operation: operation, continuation: continuation))
                if s.flushing { return false }
                s.flushing = true
                return true
            }
            if startFlush { Task { await self.flush() } }
        }
    }

    private func flush() async {
        while true {
            let batch: [Pending] = state.withLock { s in
                let take = Array(s.queue.prefix(maxBatch))
                s.queue.removeFirst(take.count)
                if take.isEmpty { s.flushing = false }
                return take
            }
            if batch.isEmpty { return }
            let operations = batch.map(\.operation)
            do {
                let results = try await write(operations)
                for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }

    /// Runs `operations` in one transaction. Commonly all succeed: they run one after the
    /// other, nothing more. When one throws, that transaction is rolled back and they run
    /// again, each in its own savepoint, so that only the failing ones fail (a savepoint for
    /// every write was two more statements, compiled each time, per report).
    private func write(_ operations: [Operation]) async throws -> [Result<Void, any Error>] {
        struct Failed: Error {}
        do {
            try await writer.write { db in
                let tx = StoreTransaction(db: db)
                for op in operations {
                    do { try op(tx) } catch { throw Failed() }
                }
            }
            return Array(repeating: .success(()), count: operations.count)
        } catch is Failed {
            return try await writer.write { db in
                var results: [Result<Void, any Error>] = []
                results.reserveCapacity(operations.count)
                for op in operations {
                    do {
                        try db.inSavepoint {
                            try op(StoreTransaction(db: db))
                            return .commit
                        }
                        results.append(.success(()))
                    } catch {
                        results.append(.failure(error))
                    }
                }
                return results
            }
        }
    }
}
