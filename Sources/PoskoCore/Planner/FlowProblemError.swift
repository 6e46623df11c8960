/// Why a flow problem was rejected or could not be solved.
///
/// Every message names the offending place (JSON path, id or index) so that the person who
/// wrote the problem can fix it without reading the solver.
public enum FlowProblemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A numeric field of the problem, as spelled in the JSON format.
    public enum Field: String, Sendable, Equatable {
        case amount, capacity, cost
        case unmetCost = "unmet_cost"
    }

    /// An end of an arc, as spelled in the JSON format.
    public enum ArcEnd: String, Sendable, Equatable {
        case from, to
    }

    /// The input is larger than `limit` bytes.
    case inputTooLarge(bytes: Int, limit: Int)
    /// The input is not JSON of the expected shape. `path` is like `arcs[3].cost` (empty at top level).
    case malformedJSON(path: String, reason: String, line: Int, column: Int)
    /// A supply or demand has the id `""`. `node` is like `supplies[2]`.
    case emptyID(node: String)
    /// Two supplies (or two demands) share an id. `section` is `supplies` or `demands`.
    case duplicateID(id: String, section: String, firstIndex: Int, index: Int)
    /// The same id names a supply and a demand, so arcs could not tell them apart.
    case supplyDemandIDClash(id: String, supplyIndex: Int, demandIndex: Int)
    /// An arc names an id that is neither a supply nor a demand.
    case unknownArcEndpoint(arc: Int, end: ArcEnd, id: String)
    /// An arc points the wrong way: `from` is a supply or `to` is a demand.
    case arcEndpointWrongKind(arc: Int, end: ArcEnd, id: String)
    /// An arc of an index-based problem refers to a node that does not exist.
    case arcIndexOutOfRange(arc: Int, end: ArcEnd, index: Int, count: Int)
    /// A numeric value below zero. `owner` is like `demand p1` or `arcs[3] (p1 -> q1)`; nil for `unmet_cost`.
    case negativeValue(field: Field, owner: String?, value: Int)
    /// A numeric value above `limit` (Int32.max).
    case valueTooLarge(field: Field, owner: String?, value: Int, limit: Int)
    /// Total demand times unmet_cost (the worst objective) does not fit in Int64.
    case objectiveMayOverflow(totalDemand: Int, unmetCost: Int)
    /// The solver needed more pivots than `FlowLimits.maxIterations` allows.
    case iterationLimit(iterations: Int)
    /// The solver passed `FlowLimits.deadline`.
    case deadlineExceeded(iterations: Int)
    /// A broken solver invariant; always a bug in Posko, never in the input.
    case internalError(String)

    public var description: String {
        switch self {
        case let .inputTooLarge(bytes, limit):
            let megabytes = limit % (1024 * 1024) == 0 ? " (\(limit / (1024 * 1024)) MB)" : ""
            return "problem is \(bytes) bytes; the limit is \(limit) bytes\(megabytes)"
        case let .malformedJSON(path, reason, line, column):
            let place = path.isEmpty ? "top level" : path
            return "invalid problem JSON at line \(line), column \(column) (\(place)): \(reason)"
        case let .emptyID(node):
            return "\(node) has an empty id"
        case let .duplicateID(id, section, firstIndex, index):
            return "duplicate id \"\(id)\": \(section)[\(firstIndex)] and \(section)[\(index)]"
        case let .supplyDemandIDClash(id, supplyIndex, demandIndex):
            return "id \"\(id)\" is used by supplies[\(supplyIndex)] and demands[\(demandIndex)]; "
                + "supply and demand ids must be distinct"
        case let .unknownArcEndpoint(arc, end, id):
            let kind = end == .from ? "demand" : "supply"
            return "arcs[\(arc)].\(end.rawValue) \"\(id)\" is not a \(kind) id"
        case let .arcEndpointWrongKind(arc, end, id):
            let kind = end == .from ? "supply" : "demand"
            return "arcs[\(arc)].\(end.rawValue) \"\(id)\" is a \(kind); arcs go from a demand to a supply"
        case let .arcIndexOutOfRange(arc, end, index, count):
            let (kind, plural) = end == .from ? ("demand", "demands") : ("supply", "supplies")
            return "arc \(arc): \(kind) index \(index) is out of range (\(count) \(plural))"
        case let .negativeValue(field, owner, value):
            return "\(Self.subject(field, owner, value)) is negative"
        case let .valueTooLarge(field, owner, value, limit):
            return "\(Self.subject(field, owner, value)) exceeds \(limit)"
        case let .objectiveMayOverflow(totalDemand, unmetCost):
            return "total demand \(totalDemand) times unmet_cost \(unmetCost) exceeds \(Int.max), "
                + "so the objective could overflow; lower unmet_cost or split the problem"
        case let .iterationLimit(iterations):
            return "did not finish within \(iterations) iterations; raise the limit or split the problem"
        case let .deadlineExceeded(iterations):
            return "did not finish before the deadline (stopped after \(iterations) iterations)"
        case let .internalError(detail):
            return "internal solver error (a bug, please report it with the problem file): \(detail)"
        }
    }

    private static func subject(_ field: Field, _ owner: String?, _ value: Int) -> String {
        if let owner { return "\(field.rawValue) \(value) of \(owner)" }
        return "\(field.rawValue) \(value)"
    }
}
